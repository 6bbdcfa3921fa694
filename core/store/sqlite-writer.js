// @ts-check
// The time-series writer thread (started by sqlite-writer-thread.ts). Plain
// JavaScript, so the thread starts in ~30 ms without a TypeScript loader.
//
// Messages in (in order; one write batch at a time):
//   { type: 'pragma', source }                 a setting for this connection (from the checkpointer)
//   { type: 'write', entity, ts, value }       Int32Array / Float64Array / Float64Array of one batch
//   { type: 'purge', id, policy }              a RetentionPolicy
//   { type: 'caughtUp' }                       the checkpoint asked for by 'catchUp' is done
//   { type: 'close' }                          stop a purge after its chunk, close, exit
// Messages out:
//   { type: 'written' } | { type: 'writeFailed', error }
//   { type: 'purged', id, result } | { type: 'purgeFailed', id, error }
//   { type: 'catchUp' }
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { purgeChunked } from './sqlite-purge.js';
import { BatchRollup, rollupWriters } from './sqlite-rollups.js';

/** @typedef {{ ts: number, value: number } | null} Latest an entity's latest committed reading by time */

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
/** @type {{ file: string, widths: { '1m': number, '1h': number } }} */
const { file, widths } = workerData;

const sqlite = new Database(file);
// The file is already in WAL mode (openSqlite on the main thread made it and ran the migrations).
sqlite.pragma('synchronous = NORMAL');
sqlite.pragma('busy_timeout = 5000');

const sql = {
  insert: sqlite.prepare('INSERT INTO readings (entity, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
  addSeries: sqlite.prepare('INSERT INTO series (entity) VALUES (?) ON CONFLICT DO NOTHING'),
  seed: sqlite.prepare('SELECT last_ts AS ts, last AS value FROM rollup_1h WHERE entity = ? ORDER BY bucket DESC LIMIT 1'),
};
const rollups = rollupWriters(sqlite);
/** Counter bases: see "Counter increases" on SqliteTimeSeries. @type {Map<number, Latest>} */
const latest = new Map();

/**
 * First write of the entity since open: register it for purging, and find its
 * latest reading. The latest hourly rollup's `last` is that reading (rollups
 * commit with the readings), and it outlives the raw readings' retention.
 * @param {number} entity @returns {Latest}
 */
function firstSight(entity) {
  sql.addSeries.run(entity);
  return /** @type {Latest | undefined} */ (sql.seed.get(entity)) ?? null;
}

/**
 * The counter increase a reading adds, moving the entity's staged base.
 * @param {number} entity @param {number} ts @param {number} value @param {Map<number, Latest>} staged
 */
function increase(entity, ts, value, staged) {
  const previous = staged.has(entity) ? staged.get(entity) : latest.get(entity);
  if (previous && ts <= previous.ts) {
    staged.set(entity, previous);
    return 0;
  }
  staged.set(entity, { ts, value });
  if (!previous) return 0;
  return value >= previous.value ? value - previous.value : value;
}

/**
 * The batch's row numbers grouped by entity, each entity's rows in their own
 * order (a counting sort), or null to keep the batch's order when its entity
 * ids are too spread out for that. Readings arrive interleaved across devices;
 * inserted entity by entity, consecutive rows land on the same pages of the
 * (entity, ts) B-tree and the rollup rows, which cut the time per row by about
 * a quarter with 1,000 entities.
 * @param {Int32Array} entities @returns {Int32Array | null}
 */
function entityOrder(entities) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < entities.length; i++) {
    const entity = /** @type {number} */ (entities[i]);
    if (entity < min) min = entity;
    if (entity > max) max = entity;
  }
  const range = max - min + 1;
  if (!(range <= 4 * entities.length + 1024)) return null;
  // next[e - min]: where entity e's next row goes; first counts, then running sums.
  const next = new Int32Array(range + 1);
  for (let i = 0; i < entities.length; i++) {
    const slot = /** @type {number} */ (entities[i]) - min + 1;
    next[slot] = /** @type {number} */ (next[slot]) + 1;
  }
  for (let e = 1; e <= range; e++) next[e] = /** @type {number} */ (next[e]) + /** @type {number} */ (next[e - 1]);
  const order = new Int32Array(entities.length);
  for (let i = 0; i < entities.length; i++) {
    const slot = /** @type {number} */ (entities[i]) - min;
    const at = /** @type {number} */ (next[slot]);
    order[at] = i;
    next[slot] = at + 1;
  }
  return order;
}

/** One transaction: the readings and the rollup rows they change. Returns the counter bases to keep once committed. */
const commit = sqlite.transaction(
  /** @param {Int32Array} entities @param {Float64Array} times @param {Float64Array} values */
  (entities, times, values) => {
    const rollup = new BatchRollup(widths);
    // Counter bases move only once the transaction commits, so a retried batch counts the same.
    /** @type {Map<number, Latest>} */
    const staged = new Map();
    const order = entityOrder(entities);
    for (let k = 0; k < entities.length; k++) {
      const i = order ? /** @type {number} */ (order[k]) : k;
      const entity = /** @type {number} */ (entities[i]);
      const ts = /** @type {number} */ (times[i]);
      const value = /** @type {number} */ (values[i]);
      // Seeded before the insert, which would otherwise be found as the entity's latest reading.
      if (!staged.has(entity) && !latest.has(entity)) staged.set(entity, firstSight(entity));
      if (sql.insert.run(entity, ts, value).changes === 0) continue;
      rollup.add(entity, ts, value, increase(entity, ts, value, staged));
    }
    rollups.write(rollup);
    return staged;
  },
);

/** @param {unknown} error */
const message = (error) => (error instanceof Error ? error.message : String(error));

let closing = false;
/** @type {Promise<unknown>} */
let purging = Promise.resolve();
/** @type {(() => void) | undefined} */
let caughtUp;

port.on('message', (/** @type {any} */ m) => {
  switch (m.type) {
    case 'pragma':
      sqlite.pragma(m.source);
      return;
    case 'write':
      try {
        for (const [entity, base] of commit(m.entity, m.ts, m.value)) latest.set(entity, base);
        port.postMessage({ type: 'written' });
      } catch (error) {
        port.postMessage({ type: 'writeFailed', error: message(error) });
      }
      return;
    case 'purge': {
      const catchUp = () =>
        new Promise((resolve) => {
          caughtUp = () => resolve(undefined);
          port.postMessage({ type: 'catchUp' });
        });
      const run = purgeChunked(sqlite, m.policy, { widths, stopping: () => closing, catchUp: /** @type {() => Promise<void>} */ (catchUp) });
      purging = run.then(
        (result) => port.postMessage({ type: 'purged', id: m.id, result }),
        (error) => port.postMessage({ type: 'purgeFailed', id: m.id, error: message(error) }),
      );
      return;
    }
    case 'caughtUp':
      caughtUp?.();
      caughtUp = undefined;
      return;
    case 'close':
      closing = true;
      // A purge waiting for a checkpoint would wait for ever: the main thread stops answering now.
      caughtUp?.();
      void purging.then(() => {
        sqlite.close();
        port.close();
      });
      return;
  }
});
