/**
 * What the plugin reads from a Pico's native telemetry (docs/protocol.md):
 * a triggered reading `{ts, device_id, date, time, distance, baseline}` or a
 * heartbeat `{ts, rssi, baseline, threshold}`, alone or in an array (a queue
 * sent after an outage). The core has already stored the values and logged
 * what was wrong; records it refused are skipped here without a word.
 */
import { parseTimestamp } from '../../core/plugin-api.ts';

export interface PicoRecord {
  /** ms epoch: the device's `ts`, or `now` when it sent none */
  ts: number;
  distance?: number;
  baseline?: number;
  threshold?: number;
}

export function picoRecords(payload: Buffer, now: number): PicoRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return [];
  }
  const records: PicoRecord[] = [];
  for (const raw of Array.isArray(json) ? json : [json]) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const r = raw as Record<string, unknown>;
    const ts = recordTime(r.ts, now);
    if (ts === undefined) continue;
    records.push({ ts, distance: finite(r.distance), baseline: finite(r.baseline), threshold: finite(r.threshold) });
  }
  return records;
}

/** The core's own reading of `ts`; undefined for what the core refused. */
function recordTime(raw: unknown, now: number): number | undefined {
  try {
    return parseTimestamp(raw, now);
  } catch {
    return undefined;
  }
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
