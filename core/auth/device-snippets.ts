import { networkInterfaces } from 'node:os';

export type DeviceKind = 'pico' | 'esp32' | 'generic';
export const DEVICE_KINDS: readonly DeviceKind[] = ['pico', 'esp32', 'generic'];

export interface SecretsFile {
  name: string;
  content: string;
}

/** The address devices on the LAN most likely reach the hub at: its first non-internal IPv4. */
export function lanAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

/** The ready-to-flash secrets file for a device's firmware (`secrets.py` for the Pico W, `secrets.h` for the ESP32). */
export function secretsFile(kind: DeviceKind, account: { deviceId: string; password: string; host: string; port: number }): SecretsFile | null {
  const { deviceId, password, host, port } = account;
  if (kind === 'pico') {
    return {
      name: 'secrets.py',
      content: [
        '# Made by `hearth device add`: copy to the Pico W beside main.py. Keep it private.',
        'WIFI_SSID = "your-wifi-name"',
        'WIFI_PASSWORD = "your-wifi-password"',
        `MQTT_HOST = "${host}"`,
        `MQTT_PORT = ${port}`,
        `DEVICE_ID = "${deviceId}"`,
        `MQTT_USER = "${deviceId}"`,
        `MQTT_PASSWORD = "${password}"`,
        '',
      ].join('\n'),
    };
  }
  if (kind === 'esp32') {
    return {
      name: 'secrets.h',
      content: [
        '// Made by `hearth device add`: put beside the sketch. Keep it private.',
        '#pragma once',
        '#define WIFI_SSID "your-wifi-name"',
        '#define WIFI_PASSWORD "your-wifi-password"',
        `#define MQTT_HOST "${host}"`,
        `#define MQTT_PORT ${port}`,
        `#define DEVICE_ID "${deviceId}"`,
        `#define MQTT_USER "${deviceId}"`,
        `#define MQTT_PASSWORD "${password}"`,
        '',
      ].join('\n'),
    };
  }
  return null;
}
