import { ROLLUP_MS, type Bucket, type HourlyIncrease } from './timeseries.ts';

const HOUR_MS = ROLLUP_MS['1h'];

/** pg returns QuestDB's long as a string; microseconds since the epoch fit a double exactly until year 2255. */
export const usToMs = (us: string | number): number => Math.floor(Number(us) / 1000);

export interface RawRow {
  ts_us: string;
  value: number;
}

export interface SampledRow {
  ts_us: string;
  v_min: number;
  v_max: number;
  v_avg: number;
  v_count: string | number;
  v_last: number;
}

export function rawPoints(rows: RawRow[]): Bucket[] {
  return rows.map((r) => {
    const value = Number(r.value);
    return { ts: usToMs(r.ts_us), min: value, max: value, mean: value, count: 1, last: value };
  });
}

/** Sorted here rather than in SQL: SAMPLE BY's output order is not part of its documented contract. */
export function sampledPoints(rows: SampledRow[]): Bucket[] {
  return rows
    .map((r) => ({
      ts: usToMs(r.ts_us),
      min: Number(r.v_min),
      max: Number(r.v_max),
      mean: Number(r.v_avg),
      count: Number(r.v_count),
      last: Number(r.v_last),
    }))
    .sort((a, b) => a.ts - b.ts);
}

/** Whole hours whose start lies in [from, to]; null when there is none. */
export function hourSpan(from: number, to: number): { first: number; last: number } | null {
  const first = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const last = Math.floor(to / HOUR_MS) * HOUR_MS;
  return first <= last ? { first, last } : null;
}

/**
 * Hourly increases of a total_increasing counter, exact per reading: each
 * reading adds its rise over the one before it to the hour it falls in, and a
 * drop is a meter reset, so the new value itself is the rise (counted from 0).
 * The first hour's baseline is the last reading before it; without one the
 * first reading only sets the baseline. Readings arrive in time order, in as
 * many chunks as the caller likes; hours with readings are reported, with 0
 * when nothing rose.
 */
export class CounterIncreases {
  private readonly hours = new Map<number, number>();

  constructor(private previous: number | undefined) {}

  add(ts: number, value: number): void {
    const rise = this.previous === undefined ? 0 : value >= this.previous ? value - this.previous : value;
    this.previous = value;
    const hour = Math.floor(ts / HOUR_MS) * HOUR_MS;
    this.hours.set(hour, (this.hours.get(hour) ?? 0) + rise);
  }

  result(): HourlyIncrease[] {
    return [...this.hours].map(([ts, increase]) => ({ ts, increase })).sort((a, b) => a.ts - b.ts);
  }
}

/** A connection error's reason: Node's AggregateError (IPv4 and IPv6 both refused) has an empty message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? error.errors.find((e): e is Error => e instanceof Error && !!e.message) : undefined;
  if (inner) return inner.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.name;
}
