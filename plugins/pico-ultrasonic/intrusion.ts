/**
 * The `pico-ultrasonic.intrusion` event: written to the event log and emitted
 * on the bus (for automations) when motion starts while a device is armed.
 * It carries what a police report needs: the device's exact time (ms), and
 * the same instant as a local date and time with its offset and zone.
 */
import { describeInstant } from '../../core/plugin-api.ts';
import type { Reading } from './motion.ts';

export const INTRUSION = 'pico-ultrasonic.intrusion';

export interface Intrusion {
  /** ms epoch, as the device stamped its reading */
  ts: number;
  /** the same instant in UTC, ISO 8601 */
  utc: string;
  /** e.g. `2026-11-23 04:01:02.345 +01:00` */
  local_time: string;
  weekday: string;
  utc_offset: string;
  time_zone: string;
  device_id: string;
  device_name: string;
  entity_id: string;
  distance_cm: number;
  baseline_cm: number | null;
  threshold_cm: number;
}

declare module '../../core/plugin-api.ts' {
  interface HubEvents {
    'pico-ultrasonic.intrusion': Intrusion;
  }
}

export function intrusion(
  reading: Reading,
  device: { id: string; name: string; motionEntityId: string; thresholdCm: number },
  timeZone: string,
): Intrusion {
  return {
    ts: reading.ts,
    utc: new Date(reading.ts).toISOString(),
    ...describeInstant(reading.ts, timeZone),
    time_zone: timeZone,
    device_id: device.id,
    device_name: device.name,
    entity_id: device.motionEntityId,
    distance_cm: reading.distance,
    baseline_cm: reading.baseline,
    threshold_cm: device.thresholdCm,
  };
}
