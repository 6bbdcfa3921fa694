/**
 * The time-series writer thread dying (a native crash, out of memory) as
 * `Worker.terminate()` makes it die: the store starts it again and loses,
 * and counts twice, nothing it had accepted.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteTimeSeries } from '../../core/store/sqlite-timeseries.ts';
import { eventually } from '../support/hub.ts';
import { captureLog } from '../unit/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'hearth-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const T0 = Date.UTC(2026, 0, 1);

describe('time-series writer thread', () => {
  let store: SqliteTimeSeries | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function open(batchSize?: number) {
    const { log, lines } = captureLog();
    const workers: Worker[] = [];
    const file = join(dir, `store-${++files}.db`);
    store = await SqliteTimeSeries.open({ file, log, flushIntervalMs: 60_000, batchSize, writer: { onSpawn: (w) => workers.push(w) } });
    /** What the file holds, read by another connection. */
    const stored = () => {
      const db = new Database(file, { readonly: true });
      try {
        return {
          readings: db.prepare('SELECT count(*) FROM readings').pluck().get() as number,
          minuteCounts: db.prepare('SELECT sum(count) FROM rollup_1m').pluck().get() as number,
          hourCounts: db.prepare('SELECT sum(count) FROM rollup_1h').pluck().get() as number,
        };
      } finally {
        db.close();
      }
    };
    return { store, workers, lines, stored };
  }

  it('starts a thread that died again and commits what was queued after', async () => {
    const { store, workers, lines, stored } = await open();
    store.append({ entity: 7, ts: T0, value: 1 });
    await store.flush();
    await workers[0]!.terminate();
    await eventually(() => workers.length === 2);
    expect(lines.map((l) => l.msg)).toContain('time-series writer thread stopped (exit code 1): starting it again; the batch in flight is sent again');

    store.append({ entity: 7, ts: T0 + 1000, value: 2 });
    await store.flush();
    expect(store.health()).toMatchObject({ status: 'ok', pending: 0, written: 2 });
    const history = await store.history({ entity: 7, from: T0, to: T0 + 2000, points: 10 });
    expect(history.points.map((p) => p.last)).toEqual([1, 2]);
    expect(stored()).toEqual({ readings: 2, minuteCounts: 2, hourCounts: 2 });
  });

  it('keeps the batch whose thread died mid-commit and commits it once, rollups counted once', async () => {
    // One batch: no early commit of part of it while the test holds it.
    const { store, workers, stored } = await open(1_000_000);
    const n = 200_000;
    for (let i = 0; i < n; i++) store.append({ entity: 1 + (i % 100), ts: T0 + Math.floor(i / 100) * 1000, value: i % 17 });
    const first = store.flush();
    // Dies while the batch is being copied in or committed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await workers[0]!.terminate();
    await first;
    expect(store.health()).toMatchObject({ status: 'error', pending: n, error: 'time-series writer thread stopped (exit code 1)' });

    await store.flush();
    expect(store.health()).toMatchObject({ status: 'ok', pending: 0, written: n });
    expect(stored()).toEqual({ readings: n, minuteCounts: n, hourCounts: n });
  });

  it('gives up on a thread that keeps dying, keeps the readings queued and says why', async () => {
    const { store, workers, lines } = await open();
    for (let crash = 0; crash < 6; crash++) {
      await eventually(() => workers.length === crash + 1);
      await workers[crash]!.terminate();
    }
    store.append({ entity: 3, ts: T0, value: 5 });
    await store.flush();
    expect(store.health()).toMatchObject({ status: 'error', pending: 1, error: expect.stringMatching(/stopped \(exit code \d+\) 6 times within a minute: not restarted; readings stay queued$/) });
    expect(workers).toHaveLength(6);
    expect(lines.filter((l) => l.msg.startsWith('time-series writer thread stopped')).map((l) => l.level)).toEqual(Array(6).fill(50));
  });
});
