/**
 * The older Pico firmware's flat message on its own topic:
 * `{"device_id": "garage", "date": "2026-11-23", "time": "03:01:02", "distance": 87.2}`,
 * sent when triggered, dated in the hub's time zone to the second, without a
 * baseline. Pure: returns the reading or throws a LegacyPayloadError whose
 * reason is a short category and whose message says what was wrong.
 */
import { localToEpoch, parseTimestamp } from '../../core/plugin-api.ts';

export type LegacyRejectReason = 'invalid_json' | 'invalid_payload' | 'invalid_value' | 'invalid_timestamp' | 'device_conflict';

export class LegacyPayloadError extends Error {
  constructor(
    readonly reason: LegacyRejectReason,
    message: string,
    /** the field at fault, when one is: distinct fields are distinct mistakes for the log */
    readonly field = '',
  ) {
    super(message);
  }
}

export interface LegacyReading {
  ts: number;
  distance: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

export function parseLegacy(deviceId: string, payload: Buffer, timeZone: string, now: number): LegacyReading {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new LegacyPayloadError('invalid_json', `not JSON (${(error as Error).message}): ${JSON.stringify(payload.toString('utf8', 0, 40))}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LegacyPayloadError('invalid_payload', 'expected an object {"device_id", "date", "time", "distance"}');
  }
  const { device_id: id, date, time, distance } = json as Record<string, unknown>;
  if (id !== deviceId) throw new LegacyPayloadError('invalid_payload', `device_id ${JSON.stringify(id)} does not match the topic's device id "${deviceId}"`, 'device_id');
  const d = typeof date === 'string' ? DATE.exec(date) : null;
  const t = typeof time === 'string' ? TIME.exec(time) : null;
  if (!d) throw new LegacyPayloadError('invalid_timestamp', `date ${JSON.stringify(date)} is not YYYY-MM-DD`, 'date');
  if (!t) throw new LegacyPayloadError('invalid_timestamp', `time ${JSON.stringify(time)} is not HH:MM:SS`, 'time');
  const [year, month, day, hour, minute, second] = [...d.slice(1), ...t.slice(1)].map(Number) as [number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) throw new LegacyPayloadError('invalid_timestamp', `date "${date}" is not a day of the calendar`, 'date');
  if (hour > 23 || minute > 59 || second > 59) throw new LegacyPayloadError('invalid_timestamp', `time "${time}" is not a time of day`, 'time');
  if (typeof distance !== 'number' || !Number.isFinite(distance) || distance < 0) {
    throw new LegacyPayloadError('invalid_value', `distance ${JSON.stringify(distance)} is not a number of cm (0 or more)`, 'distance');
  }
  let ts: number;
  try {
    // The same bounds on a device's clock as the core's for native telemetry.
    ts = parseTimestamp(localToEpoch({ year, month, day, hour, minute, second }, timeZone), now);
  } catch (error) {
    throw new LegacyPayloadError('invalid_timestamp', `${date} ${time} (${timeZone}): ${(error as Error).message}`);
  }
  return { ts, distance };
}
