/**
 * What firmware/esp32-sensor announces for each key (its protocol.cpp). An
 * older firmware may leave units or device classes out; the plugin says which,
 * as the hub shows an entity with what its device announced.
 */
import type { Entity } from '../../core/plugin-api.ts';

type Metadata = Pick<Entity, 'unit' | 'device_class' | 'state_class'>;

const measurement = (unit: string, device_class: string | null = null): Metadata => ({ unit, device_class, state_class: 'measurement' });

export const EXPECTED: Readonly<Record<string, Metadata>> = {
  temperature: measurement('°C', 'temperature'),
  humidity: measurement('%', 'humidity'),
  accel_x: measurement('m/s²'),
  accel_y: measurement('m/s²'),
  accel_z: measurement('m/s²'),
  gyro_x: measurement('°/s'),
  gyro_y: measurement('°/s'),
  gyro_z: measurement('°/s'),
  battery: measurement('%', 'battery'),
  rssi: measurement('dBm', 'signal_strength'),
  interval: { unit: 's', device_class: null, state_class: null },
};

/** `temperature: unit °C, device_class temperature`-style notes for each announced entity lacking what the firmware should give. */
export function missingMetadata(entities: readonly Entity[]): string[] {
  const notes: string[] = [];
  for (const entity of entities) {
    const expected = EXPECTED[entity.key];
    if (!expected) continue;
    const missing = (['unit', 'device_class', 'state_class'] as const).filter((field) => expected[field] !== null && entity[field] === null);
    if (missing.length > 0) notes.push(`${entity.key}: ${missing.map((field) => `${field} ${expected[field]}`).join(', ')}`);
  }
  return notes;
}
