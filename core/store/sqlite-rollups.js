// @ts-check
// Plain JavaScript: it runs in the time-series writer thread (sqlite-writer.js),
// which loads no TypeScript loader (tsx takes ~200 ms to start in a worker).

/**
 * One (entity, bucket) of a batch, in the shape of a rollup row; `increase`
 * (counter increase) is only stored on the hourly table.
 * @typedef {{ entity: number, bucket: number, min: number, max: number, sum: number, count: number, last: number, lastTs: number, increase: number }} Agg
 */

/** @param {Agg} into @param {Agg} from */
function merge(into, from) {
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  into.sum += from.sum;
  into.count += from.count;
  into.increase += from.increase;
  if (from.lastTs > into.lastTs) {
    into.last = from.last;
    into.lastTs = from.lastTs;
  }
}

/**
 * A batch's readings pre-aggregated per (entity, minute), so a flush upserts
 * each rollup row once rather than once per reading: at 1 Hz that is 60 times
 * fewer writes to the minute table and 3,600 times fewer to the hour table.
 */
export class BatchRollup {
  /** @param {{ '1m': number, '1h': number }} widths bucket widths in ms (ROLLUP_MS of timeseries.ts) */
  constructor(widths) {
    this.widths = widths;
    /** @type {Map<number, Map<number, Agg>>} */
    this.minutes = new Map();
    /** the bucket the previous reading went to: readings of an entity mostly arrive together and in order @type {Agg | undefined} */
    this.recent = undefined;
  }

  /** @param {number} entity @param {number} ts @param {number} value @param {number} increase */
  add(entity, ts, value, increase) {
    const bucket = ts - (ts % this.widths['1m']);
    let agg = this.recent;
    if (agg === undefined || agg.entity !== entity || agg.bucket !== bucket) {
      let byBucket = this.minutes.get(entity);
      if (!byBucket) this.minutes.set(entity, (byBucket = new Map()));
      agg = byBucket.get(bucket);
      if (!agg) byBucket.set(bucket, (agg = { entity, bucket, min: value, max: value, sum: 0, count: 0, last: value, lastTs: ts, increase: 0 }));
      this.recent = agg;
    }
    if (value < agg.min) agg.min = value;
    if (value > agg.max) agg.max = value;
    agg.sum += value;
    agg.count++;
    agg.increase += increase;
    if (ts >= agg.lastTs) {
      agg.last = value;
      agg.lastTs = ts;
    }
  }

  /** @returns {Iterable<Agg>} */
  *perMinute() {
    for (const byBucket of this.minutes.values()) yield* byBucket.values();
  }

  /** @returns {Iterable<Agg>} */
  perHour() {
    /** @type {Map<string, Agg>} */
    const hours = new Map();
    for (const m of this.perMinute()) {
      const bucket = m.bucket - (m.bucket % this.widths['1h']);
      const key = `${m.entity}:${bucket}`;
      const hour = hours.get(key);
      if (hour) merge(hour, m);
      else hours.set(key, { ...m, bucket });
    }
    return hours.values();
  }
}

/**
 * Prepared upserts that fold a batch aggregate into a stored rollup row. In an
 * upsert's SET every bare column is the stored value, so `last` is compared
 * with the stored `last_ts` before `last_ts` moves.
 * @param {import('better-sqlite3').Database} sqlite
 * @returns {{ write(batch: BatchRollup): void }}
 */
export function rollupWriters(sqlite) {
  /** @param {string} table @param {{ column: string, set: string } | undefined} extra */
  const upsert = (table, extra) =>
    sqlite.prepare(`
      INSERT INTO ${table} (entity, bucket, min, max, sum, count, last, last_ts${extra ? `, ${extra.column}` : ''})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?${extra ? ', ?' : ''})
      ON CONFLICT (entity, bucket) DO UPDATE SET
        min = min(min, excluded.min), max = max(max, excluded.max),
        sum = sum + excluded.sum, count = count + excluded.count,
        last = CASE WHEN excluded.last_ts > last_ts THEN excluded.last ELSE last END,
        last_ts = max(last_ts, excluded.last_ts)${extra ? `, ${extra.set}` : ''}`);
  const minute = upsert('rollup_1m', undefined);
  const hour = upsert('rollup_1h', { column: 'increase', set: 'increase = increase + excluded.increase' });
  return {
    write(batch) {
      for (const a of batch.perMinute()) minute.run(a.entity, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs);
      for (const a of batch.perHour()) hour.run(a.entity, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs, a.increase);
    },
  };
}
