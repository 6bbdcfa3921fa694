// @ts-check
// Plain JavaScript: it runs in the time-series writer thread (see sqlite-rollups.js).

/**
 * Rows per DELETE. A chunk of 2,000 readings touches a dozen leaf pages and
 * takes about a millisecond; ingest flushes run between chunks.
 */
const PURGE_CHUNK = 2000;
/** Chunks between waits for a checkpoint: a chunk writes ~14 WAL pages, so ~11 MB of WAL. */
const CATCH_UP_EVERY = 200;

/** @param {{ '1m': number, '1h': number }} widths */
const targets = (widths) => /** @type {const} */ ([
  { key: 'raw', table: 'readings', time: 'ts', width: 0, horizon: 'raw_before', cutoff: 'rawBefore' },
  { key: 'minute', table: 'rollup_1m', time: 'bucket', width: widths['1m'], horizon: 'minute_before', cutoff: 'minuteBefore' },
  { key: 'hour', table: 'rollup_1h', time: 'bucket', width: widths['1h'], horizon: 'hour_before', cutoff: 'hourBefore' },
]);

/** Between chunks the writer thread takes its messages: ingest batches are committed there. */
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes per entity and per table, oldest first, in chunks of at most
 * PURGE_CHUNK rows, each its own short write transaction, and gives the
 * thread's event loop back between chunks so queued readings keep being
 * committed. Each synchronous step is timed: the longest is how long ingest
 * could not write.
 *
 * A chunk's upper bound is the time of its PURGE_CHUNK-th row, found by a
 * walk of the primary key, so a DELETE never scans further than it deletes.
 * A rollup bucket goes only once all of it is older than the cut-off. The
 * entity's horizon moves before its first chunk, so a history query running
 * between chunks already avoids the half-deleted source. Every
 * CATCH_UP_EVERY chunks it awaits `catchUp()`, a checkpoint, so the WAL can
 * start over (see sqlite-checkpointer.ts). When `stopping()` turns true (the
 * store is closing) it ends after the current chunk.
 *
 * @param {import('better-sqlite3').Database} sqlite
 * @param {import('./timeseries.ts').RetentionPolicy} policy
 * @param {{ widths: { '1m': number, '1h': number }, stopping: () => boolean, catchUp: () => Promise<void> }} options
 * @returns {Promise<import('./timeseries.ts').PurgeResult>}
 */
export async function purgeChunked(sqlite, policy, { widths, stopping, catchUp }) {
  const steps = targets(widths).map((t) => ({
    ...t,
    chunkEnd: sqlite
      .prepare(`SELECT ${t.time} FROM ${t.table} WHERE entity = ? AND ${t.time} < ? ORDER BY ${t.time} LIMIT 1 OFFSET ${PURGE_CHUNK - 1}`)
      .pluck(),
    deleteThrough: sqlite.prepare(`DELETE FROM ${t.table} WHERE entity = ? AND ${t.time} <= ?`),
    deleteBefore: sqlite.prepare(`DELETE FROM ${t.table} WHERE entity = ? AND ${t.time} < ?`),
    moveHorizon: sqlite.prepare(`UPDATE series SET ${t.horizon} = max(${t.horizon}, ?) WHERE entity = ?`),
  }));
  const entities = /** @type {number[]} */ (sqlite.prepare('SELECT entity FROM series ORDER BY entity').pluck().all());
  const deleted = { raw: 0, minute: 0, hour: 0 };
  let longestPauseMs = 0;
  let chunks = 0;
  /** @template T @param {() => T} work @returns {T} */
  const timed = (work) => {
    const started = performance.now();
    try {
      return work();
    } finally {
      longestPauseMs = Math.max(longestPauseMs, performance.now() - started);
    }
  };
  const result = () => ({ deleted, longestPauseMs });

  for (const entity of entities) {
    const override = policy.overrides.get(entity);
    for (const step of steps) {
      const cutoff = override?.[step.cutoff] !== undefined ? override[step.cutoff] : policy[step.cutoff];
      if (cutoff === null || cutoff === undefined) continue;
      // Whole rollup buckets only: the bucket holding the cut-off still has newer data.
      const before = step.width ? cutoff - (cutoff % step.width) : cutoff;
      timed(() => step.moveHorizon.run(cutoff, entity));
      for (;;) {
        const done = timed(() => {
          const end = step.chunkEnd.get(entity, before);
          const { changes } = end === undefined ? step.deleteBefore.run(entity, before) : step.deleteThrough.run(entity, end);
          deleted[step.key] += changes;
          return end === undefined;
        });
        await (++chunks % CATCH_UP_EVERY === 0 ? catchUp() : yieldToLoop());
        if (stopping()) return result();
        if (done) break;
      }
    }
  }
  return result();
}
