import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteTimeSeries } from '../../core/store/sqlite-timeseries.ts';
import { storeContract } from './contract.ts';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'hearth-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const newFile = () => join(dir, `store-${++files}.db`);

storeContract('sqlite', async () => {
  const file = newFile();
  return { store: await SqliteTimeSeries.open({ file, log }), reopen: () => SqliteTimeSeries.open({ file, log }) };
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);

describe('SQLite time-series store', () => {
  let store: SqliteTimeSeries | undefined;
  let other: Database.Database | undefined;
  afterEach(async () => {
    other?.close();
    await store?.close();
    store = other = undefined;
  });

  async function withDays(days: number, every: number): Promise<{ store: SqliteTimeSeries; file: string }> {
    const file = newFile();
    store = await SqliteTimeSeries.open({ file, log });
    for (let ts = T0, i = 0; ts < T0 + days * DAY; ts += every, i++) store.append({ entity: 1, ts, value: 20 + Math.sin(i / 300) * 4 + (i % 10) / 100 });
    await store.flush();
    return { store, file };
  }

  it('stores a reading in under 32 bytes, rollups and indexes included', async () => {
    // 200k readings: 2.3 days at 1 Hz; values with decimals, so each is a full 8-byte float.
    const { store } = await withDays(200_000 / 86_400, 1000);
    const stats = await store.storageStats();
    expect(stats.readings).toBe(200_000);
    expect(stats.usedBytes / stats.readings).toBeLessThan(32);
    expect(stats.readingsBytes / stats.readings).toBeLessThan(28);
    expect(stats.rollupBytes).toBeGreaterThan(0);
  });

  it('answers long ranges from the rollups', async () => {
    const { store, file } = await withDays(30, 60_000);
    const month = { entity: 1, from: T0, to: T0 + 30 * DAY - 1, points: 500 };
    expect(await store.history(month)).toMatchObject({ resolution: '1h', step: 2 * HOUR });
    expect(await store.history({ ...month, to: T0 + DAY - 1 })).toMatchObject({ resolution: '1m', step: 3 * 60_000 });
    // Proof that no raw reading was aggregated: answers follow edits made to the rollups alone.
    other = new Database(file);
    other.exec('UPDATE rollup_1h SET max = 1000 WHERE bucket = ' + (T0 + 5 * HOUR));
    other.exec('UPDATE rollup_1m SET min = -1000 WHERE bucket = ' + (T0 + 3 * 60_000));
    expect((await store.history(month)).points[2]!.max).toBe(1000);
    expect((await store.history({ ...month, to: T0 + DAY - 1 })).points[1]!.min).toBe(-1000);
  });

  it('keeps a batch whose commit failed and commits it, rollups counted once, when the database recovers', async () => {
    const file = newFile();
    store = await SqliteTimeSeries.open({ file, log, flushIntervalMs: 60_000 });
    other = new Database(file);
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    for (const [i, value] of [10, 12].entries()) store.append({ entity: 2, ts: T0 + i * 1000, value });
    await store.flush();
    expect(store.health()).toMatchObject({ status: 'error', pending: 2, written: 0, error: 'disk on fire' });
    // Queued behind the failed batch: it must stay behind it, or 12.5 would be the counter's base and 10, 12 add nothing.
    store.append({ entity: 2, ts: T0 + 2000, value: 12.5 });
    await store.flush(); // a second failure must not lose or duplicate anything either
    expect(store.health()).toMatchObject({ status: 'error', pending: 3, written: 0 });
    other.exec('DROP TRIGGER refuse');
    await store.flush();
    expect(store.health()).toEqual({ backend: 'sqlite', status: 'ok', pending: 0, written: 3 });
    expect((await store.history({ entity: 2, from: T0, to: T0 + HOUR - 1, points: 2, step: HOUR })).points).toEqual([
      { ts: T0, min: 10, max: 12.5, mean: 11.5, count: 3, last: 12.5 },
    ]);
    expect(await store.hourlyIncrease(2, T0, T0)).toEqual([{ ts: T0, increase: 2.5 }]);
  });

  it('journals synced readings until a commit covers them; what a crash leaves is committed at the next open, repeats dropped', async () => {
    const file = newFile();
    const journalFiles = () => readdirSync(dir).filter((name) => name.startsWith(`${basename(file)}.pending-`)).sort();
    store = await SqliteTimeSeries.open({ file, log, flushIntervalMs: 60_000 });
    other = new Database(file);
    other.exec("CREATE TRIGGER refuse BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    store.append({ entity: 2, ts: T0, value: 10 });
    await store.sync();
    expect(journalFiles()).toEqual([`${basename(file)}.pending-1`]);
    await store.flush(); // fails: the journal stays
    store.append({ entity: 2, ts: T0 + 1000, value: 12 });
    await store.sync(); // the failed batch is journaled again with it
    await store.sync(); // nothing new: no write
    expect(journalFiles()).toEqual([`${basename(file)}.pending-1`, `${basename(file)}.pending-2`]);
    // What a crash right now would leave behind.
    const left = journalFiles().map((name) => [name, readFileSync(join(dir, name))] as const);
    expect(left.map(([, bytes]) => bytes.length)).toEqual([12 + 20, 12 + 2 * 20]);

    other.exec('DROP TRIGGER refuse');
    await store.flush();
    expect(journalFiles()).toEqual([]);
    await store.close();
    for (const [name, bytes] of left) writeFileSync(join(dir, name), bytes);
    store = await SqliteTimeSeries.open({ file, log, flushIntervalMs: 60_000 });
    expect(journalFiles()).toEqual([]);
    expect(store.health()).toMatchObject({ status: 'ok', pending: 0, written: 3 });
    expect((await store.history({ entity: 2, from: T0, to: T0 + HOUR - 1, points: 2, step: HOUR })).points).toEqual([
      { ts: T0, min: 10, max: 12, mean: 11, count: 2, last: 12 },
    ]);
    expect(await store.hourlyIncrease(2, T0, T0)).toEqual([{ ts: T0, increase: 2 }]);
  });

  it('resolves each of several overlapping flushes only once its readings are committed', async () => {
    const file = newFile();
    store = await SqliteTimeSeries.open({ file, log, flushIntervalMs: 60_000 });
    other = new Database(file, { readonly: true });
    const committed = () => other!.prepare('SELECT count(*) FROM readings').pluck().get();
    const appendSecond = (from: number) => {
      for (let i = from; i < from + 5000; i++) store!.append({ entity: 1 + (i % 50), ts: T0 + i * 1000, value: i });
    };
    appendSecond(0);
    const first = store.flush();
    appendSecond(5000); // arrives while the first batch is being committed by the writer thread
    const second = store.flush();
    await first;
    expect(committed()).toBeGreaterThanOrEqual(5000);
    await second;
    expect(committed()).toBe(10_000);
    expect(store.health()).toMatchObject({ pending: 0, written: 10_000 });
  });

  it('keeps the first value written for an entity and time', async () => {
    store = await SqliteTimeSeries.open({ file: newFile(), log });
    store.append({ entity: 4, ts: T0, value: 1 });
    store.append({ entity: 4, ts: T0, value: 2 });
    await store.flush();
    store.append({ entity: 4, ts: T0, value: 3 });
    expect((await store.history({ entity: 4, from: T0, to: T0 + 59_999, points: 2, step: 60_000 })).points).toEqual([
      { ts: T0, min: 1, max: 1, mean: 1, count: 1, last: 1 },
    ]);
  });

  it('stops a purge when closed, keeping the readings queued meanwhile', async () => {
    const { store: s, file } = await withDays(2, 1000);
    const purge = s.purge({ rawBefore: T0 + 2 * DAY, minuteBefore: 0, hourBefore: null, overrides: new Map() });
    s.append({ entity: 3, ts: T0 + 3 * DAY, value: 7 });
    await s.close();
    store = undefined;
    const { deleted } = await purge;
    expect(deleted.raw).toBeGreaterThan(0);
    expect(deleted.raw).toBeLessThan(2 * 86_400);
    store = await SqliteTimeSeries.open({ file, log });
    expect((await store.history({ entity: 3, from: T0, to: T0 + 4 * DAY, points: 10 })).points).toHaveLength(1);
  });
});
