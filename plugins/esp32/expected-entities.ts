/**
 * What firmware/esp32-sensor announces for each key (its protocol.cpp): the
 * hub fills these in where an older firmware's announce leaves them out.
 */
import type { EntityDefaults } from '../../core/plugin-api.ts';

const measurement = (name: string, unit: string, device_class?: string): EntityDefaults => ({
  name,
  unit,
  ...(device_class ? { device_class } : {}),
  state_class: 'measurement',
});

export const ESP32_ENTITIES: Readonly<Record<string, EntityDefaults>> = {
  temperature: measurement('Temperature', '°C', 'temperature'),
  humidity: measurement('Humidity', '%', 'humidity'),
  accel_x: measurement('Acceleration X', 'm/s²'),
  accel_y: measurement('Acceleration Y', 'm/s²'),
  accel_z: measurement('Acceleration Z', 'm/s²'),
  gyro_x: measurement('Gyroscope X', '°/s'),
  gyro_y: measurement('Gyroscope Y', '°/s'),
  gyro_z: measurement('Gyroscope Z', '°/s'),
  battery: measurement('Battery', '%', 'battery'),
  rssi: measurement('Wi-Fi signal', 'dBm', 'signal_strength'),
  interval: { name: 'Report interval', unit: 's' },
  output: { name: 'Output' },
};
