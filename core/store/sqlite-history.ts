import type { SqliteHandle } from '../db/sqlite.ts';
import { ROLLUP_MS, type Bucket, type HistoryQuery, type Resolution } from './timeseries.ts';

const MAX_BUCKETS = 10_000;

const SOURCES = ['raw', '1m', '1h'] as const satisfies readonly Resolution[];
/** the finest bucket each source can give: raw readings are bucketed by whole seconds */
const UNIT: Record<Resolution, number> = { raw: 1000, ...ROLLUP_MS };

/** Per source, the cut-off of the last purge: data before it may be gone. */
export type Horizons = Record<Resolution, number>;

export interface HistoryPlan {
  source: Resolution;
  step: number;
  /** bucket starts from..to: the answer holds every bucket overlapping the range, whole */
  from: number;
  to: number;
  /** whether the raw readings in range may be answered as they are, if they fit in `points` */
  probeRaw: boolean;
}

const bucketCount = (from: number, to: number, step: number) => Math.floor(to / step) - Math.floor(from / step) + 1;

/** 1000 → "1s", 5 * 60_000 → "5m": how the HTTP API spells a step. */
function duration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}

/**
 * Picks source and bucket width per the rules on `HistoryQuery`, and throws
 * an Error whose message can go to an API client as it is. A source whose data
 * was purged before the first bucket is skipped for the next coarser one (if
 * the step allows it): an hourly answer beats a half-empty finer one.
 */
export function planHistory(q: HistoryQuery, horizons: Horizons): HistoryPlan {
  if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || q.from > q.to) {
    throw new Error(`from (${q.from}) must be a time at or before to (${q.to})`);
  }
  let source: Resolution;
  let step: number;
  if (q.step !== undefined) {
    step = q.step;
    if (!Number.isInteger(step) || step <= 0 || step % 1000 !== 0) {
      throw new Error(`step: expected a positive whole number of seconds in ms, got ${step}`);
    }
    if (bucketCount(q.from, q.to, step) > MAX_BUCKETS) {
      throw new Error(`step: ${duration(step)} over this range gives more than ${MAX_BUCKETS} buckets; widen the step or narrow the range`);
    }
    // The coarsest source whose buckets tile the step; none coarser would, so no fallback.
    source = SOURCES.findLast((s) => step % UNIT[s] === 0)!;
  } else {
    if (!Number.isInteger(q.points) || q.points < 1 || q.points > MAX_BUCKETS) {
      throw new Error(`points: expected an integer from 1 to ${MAX_BUCKETS}, got ${q.points}`);
    }
    const width = (q.to - q.from) / Math.max(q.points - 1, 1);
    let i = width < ROLLUP_MS['1m'] ? 0 : width < ROLLUP_MS['1h'] ? 1 : 2;
    const stepFor = (s: Resolution) => Math.max(UNIT[s], Math.ceil(width / UNIT[s]) * UNIT[s]);
    while (i < 2 && horizons[SOURCES[i]!] > q.from - (q.from % stepFor(SOURCES[i]!))) i++;
    source = SOURCES[i]!;
    step = stepFor(source);
    // A step of at least the width gives at most `points` epoch-aligned buckets,
    // except for points = 1, where the one bucket may straddle: widen until it fits.
    while (bucketCount(q.from, q.to, step) > q.points) step += UNIT[source];
  }
  const from = q.from - (q.from % step);
  return { source, step, from, to: q.to - (q.to % step), probeRaw: q.step === undefined && horizons.raw <= q.from };
}

interface Row {
  ts: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

/**
 * Bucketed reads, one prepared statement per source. Every statement groups
 * inside SQLite and fetches `last` with one primary-key lookup per bucket (of
 * the row holding the bucket's greatest time), so the work is the scan of the
 * source rows in range plus at most `points` lookups. Parameters arrive as
 * doubles, hence `x - x % step` (`%` works on integers) instead of `x / step`.
 */
export function historyReader(sqlite: SqliteHandle) {
  const grouped = (table: string, time: string, aggregates: string, latest: string) =>
    sqlite.prepare(`
      SELECT g.ts, g.min, g.max, g.sum, g.count, t.${latest} AS last FROM (
        SELECT ${time} - ${time} % @step AS ts, ${aggregates}, max(${time}) AS latest
        FROM ${table} WHERE entity = @entity AND ${time} BETWEEN @from AND @to GROUP BY 1
      ) AS g JOIN ${table} AS t ON t.entity = @entity AND t.${time} = g.latest
      ORDER BY g.ts`);
  const fromRollup = (table: string) =>
    grouped(table, 'bucket', 'min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count) AS count', 'last');
  const statements = {
    raw: grouped('readings', 'ts', 'min(value) AS min, max(value) AS max, sum(value) AS sum, count(*) AS count', 'value'),
    '1m': fromRollup('rollup_1m'),
    '1h': fromRollup('rollup_1h'),
  };
  const rawRange = sqlite.prepare('SELECT ts, value FROM readings WHERE entity = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ?');

  return {
    /** The raw readings in range if there are at most `limit`, else undefined; reads at most limit + 1 rows. */
    rawIfAtMost(entity: number, from: number, to: number, limit: number): Bucket[] | undefined {
      const rows = rawRange.all(entity, from, to, limit + 1) as Array<{ ts: number; value: number }>;
      if (rows.length > limit) return undefined;
      return rows.map(({ ts, value }) => ({ ts, min: value, max: value, mean: value, count: 1, last: value }));
    },
    buckets(entity: number, plan: HistoryPlan): Bucket[] {
      const rows = statements[plan.source].all({ entity, step: plan.step, from: plan.from, to: plan.to + plan.step - 1 }) as Row[];
      return rows.map(({ ts, min, max, sum, count, last }) => ({ ts, min, max, mean: sum / count, count, last }));
    },
  };
}
