/**
 * The SQLite time-series store against the targets of its issue, on a real
 * file in a temp dir: insert throughput, bytes per reading, a 30-day history
 * query, and write pauses while purging. `npm run bench:store`; prints a table
 * and writes the numbers under `store` in bench/results.json.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SqliteTimeSeries } from '../core/store/sqlite-timeseries.ts';
import type { Reading } from '../core/store/timeseries.ts';

const DAY = 86_400_000;
const END = Date.UTC(2026, 5, 1);
const START = END - 30 * DAY;
/** One entity at 1 Hz for 30 days, and four at one reading a minute. */
const MAIN = 1;
const SLOW = [2, 3, 4, 5];
const BATCH = 10_000;
const QUERY_RUNS = 200;
/** Live ingest during the purge: ten entities at 100 Hz in all, committed every 100 ms. */
const LIVE_ENTITIES = 10;

/** A temperature with two decimals: not a whole number, so each value is a full 8-byte REAL, as real sensors give. */
const temperature = (i: number) => Math.round((21 + 3 * Math.sin(i / 5000) + Math.sin(i / 37) / 2) * 100) / 100;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function insert(store: SqliteTimeSeries): Promise<{ readings: number; perSecond: number }> {
  let readings = 0;
  let busyMs = 0;
  let batch: Reading[] = [];
  const commit = async () => {
    const started = performance.now();
    for (const r of batch) store.append(r);
    await store.flush();
    busyMs += performance.now() - started;
    readings += batch.length;
    batch = [];
  };
  for (let s = 0; START + s * 1000 < END; s++) {
    const ts = START + s * 1000;
    batch.push({ entity: MAIN, ts, value: temperature(s) });
    if (s % 60 === 0) for (const entity of SLOW) batch.push({ entity, ts, value: temperature(s + entity * 1000) });
    if (batch.length >= BATCH) await commit();
  }
  await commit();
  if (store.health().status !== 'ok') throw new Error(`insert failed: ${store.health().error}`);
  return { readings, perSecond: Math.round(readings / (busyMs / 1000)) };
}

async function queryTimes(store: SqliteTimeSeries, from: number, points: number): Promise<{ p50: number; p99: number; resolution: string }> {
  const times: number[] = [];
  let resolution = '';
  for (let i = 0; i < QUERY_RUNS; i++) {
    const started = performance.now();
    const history = await store.history({ entity: MAIN, from, to: END - 1, points });
    times.push(performance.now() - started);
    resolution = `${history.points.length} points from ${history.resolution}`;
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 50), 3), p99: round(percentile(times, 99), 3), resolution };
}

/** The default retention (raw 10 days, minute rollups 90 days, hourly forever) while live readings keep arriving. */
async function purgeUnderIngest(store: SqliteTimeSeries) {
  let ticks = 0;
  let maxGapMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 1);
  let live = 0;
  let maxFlushMs = 0;
  const ingest = setInterval(() => {
    for (let e = 0; e < LIVE_ENTITIES; e++) store.append({ entity: 100 + e, ts: END + live * 10, value: temperature(live) });
    live++;
    if (live % 10 === 0) {
      const started = performance.now();
      void store.flush().then(() => (maxFlushMs = Math.max(maxFlushMs, performance.now() - started)));
    }
  }, 10);
  const started = performance.now();
  const result = await store.purge({ rawBefore: END - 10 * DAY, minuteBefore: END - 90 * DAY, hourBefore: null, overrides: new Map() });
  const durationMs = performance.now() - started;
  clearInterval(ticker);
  clearInterval(ingest);
  await store.flush();
  return {
    deleted: result.deleted,
    durationMs: Math.round(durationMs),
    longestPauseMs: round(result.longestPauseMs),
    maxTickerGapMs: round(maxGapMs),
    maxFlushMs: round(maxFlushMs),
    liveReadings: live * LIVE_ENTITIES,
    liveCommitted: store.health().status === 'ok' && store.health().pending === 0,
    ticks,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-store-'));
  const store = await SqliteTimeSeries.open({ file: join(dir, 'timeseries.db'), log: pino({ level: 'silent' }) });
  try {
    const began = performance.now();
    const inserted = await insert(store);
    const stats = await store.storageStats();
    const month = await queryTimes(store, START, 500);
    const day = await queryTimes(store, END - DAY, 500);
    const purge = await purgeUnderIngest(store);
    const after = await store.storageStats();
    const results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      insert: { readings: inserted.readings, batch: BATCH, readingsPerSecond: inserted.perSecond },
      storage: {
        bytesPerReading: round(stats.usedBytes / stats.readings),
        rawBytesPerReading: round(stats.readingsBytes / stats.readings),
        rollupBytes: stats.rollupBytes,
        usedBytes: stats.usedBytes,
        afterPurge: { readings: after.readings, usedBytes: after.usedBytes },
      },
      history30d: { runs: QUERY_RUNS, points: 500, ...month },
      history24h: { runs: QUERY_RUNS, points: 500, ...day },
      purge,
      totalSeconds: Math.round((performance.now() - began) / 1000),
    };
    const rows: Array<[string, string, string | number, boolean | null]> = [
      ['insert, readings/s (batches of 10,000)', '>= 300,000', inserted.perSecond.toLocaleString('en'), inserted.perSecond >= 300_000],
      ['bytes per reading, whole file', '<= 32', results.storage.bytesPerReading, results.storage.bytesPerReading <= 32],
      ['bytes per reading, readings table', '', results.storage.rawBytesPerReading, null],
      ['rollup tables, MB', '', round(stats.rollupBytes / 1e6), null],
      ['30-day history -> 500 points, p50 ms', '< 20', month.p50, month.p50 < 20],
      ['30-day history -> 500 points, p99 ms', '', month.p99, null],
      ['24-hour history -> 500 points, p50 ms', '', day.p50, null],
      ['purge: longest chunk, ms', '<= 50', purge.longestPauseMs, purge.longestPauseMs <= 50],
      ['purge: longest event-loop gap, ms', '<= 50', purge.maxTickerGapMs, purge.maxTickerGapMs <= 50],
      ['purge: longest ingest flush, ms', '', purge.maxFlushMs, null],
      ['purge: rows deleted / seconds', '', `${purge.deleted.raw + purge.deleted.minute} / ${round(purge.durationMs / 1000, 1)}`, null],
    ];
    console.log(`store benchmark: ${inserted.readings.toLocaleString('en')} readings, ${results.machine.cpus} x ${results.machine.model}, node ${process.version}`);
    console.table(rows.map(([metric, target, measured, pass]) => ({ metric, target, measured, pass: pass === null ? '' : pass ? 'yes' : 'NO' })));
    const file = new URL('results.json', import.meta.url);
    const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, `${JSON.stringify({ ...existing, store: results }, null, 2)}\n`);
    if (!purge.liveCommitted) throw new Error('live readings were not all committed during the purge');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
