import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { redactUrl } from '../../core/store/questdb-connection.ts';
import { CounterIncreases, describeError, hourSpan, rawPoints, sampledPoints } from '../../core/store/questdb-history.ts';
import { GLOBAL, advanceHorizons, physicalCutoff, purgeWithHorizons, visibleFrom, type HorizonMap } from '../../core/store/questdb-retention.ts';
import * as sql from '../../core/store/questdb-sql.ts';
import { BoundedQueue, ReadingWriter, retryDelay } from '../../core/store/questdb-writer.ts';
import { planHistory } from '../../core/store/sqlite-history.ts';
import type { Reading, RetentionPolicy } from '../../core/store/timeseries.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2);
const silent = pino({ level: 'silent' });

describe('QuestDB SQL', () => {
  it('creates the raw table with a designated timestamp, daily partitions, WAL and dedup on (ts, entity)', () => {
    expect(sql.createTableSql('readings')).toBe(
      'CREATE TABLE IF NOT EXISTS readings (entity INT, value DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, entity)',
    );
  });

  it('refuses table names that are not plain identifiers', () => {
    for (const bad of ['readings; DROP TABLE x', 'Readings', '1x', '', 'a'.repeat(65)]) expect(() => sql.checkTableName(bad)).toThrow(/must match/);
    expect(sql.checkTableName('hearth_test_1')).toBe('hearth_test_1');
  });

  it('numbers the bind variables of a multi-row INSERT and sends timestamps as UTC ISO text', () => {
    expect(sql.insertSql('readings', 2)).toBe('INSERT INTO readings (entity, value, ts) VALUES ($1, $2, $3), ($4, $5, $6)');
    expect(sql.insertParams([{ entity: 3, ts: T0 + 1, value: 1.5 }])).toEqual([3, 1.5, '2026-03-02T00:00:00.001Z']);
    expect(sql.insertHorizonsSql('r', 2)).toBe('INSERT INTO r_horizons (entity, raw_before, minute_before, hour_before, ts) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)');
  });

  it('keeps the last of readings repeated within a batch, as DEDUP keeps the last across commits', () => {
    const rows = [{ entity: 1, ts: T0, value: 1 }, { entity: 2, ts: T0, value: 2 }, { entity: 1, ts: T0, value: 3 }];
    expect(sql.dedupeBatch(rows)).toEqual([{ entity: 1, ts: T0, value: 3 }, { entity: 2, ts: T0, value: 2 }]);
  });

  it('keeps out readings one bad row of which would fail a whole batch forever', () => {
    const ok = { entity: 1, ts: T0, value: 1 };
    expect(sql.isStorable(ok)).toBe(true);
    for (const bad of [{ entity: -1 }, { entity: 1.5 }, { entity: 2 ** 31 }, { ts: -1 }, { ts: 1.5 }, { ts: 253_402_300_800_000 }, { value: Number.NaN }, { value: Infinity }]) {
      expect(sql.isStorable({ ...ok, ...bad })).toBe(false);
    }
  });

  it('spells SAMPLE BY strides in the largest whole unit', () => {
    expect([sql.sampleStride(49_000), sql.sampleStride(44 * MIN), sql.sampleStride(2 * HOUR), sql.sampleStride(90_000), sql.sampleStride(DAY)]).toEqual(['49s', '44m', '2h', '90s', '24h']);
    expect(() => sql.sampleStride(1500)).toThrow(/whole number of seconds/);
    expect(sql.sampledRangeSql('readings', 44 * MIN)).toContain("WHERE entity = $1 AND ts >= $2 AND ts < $3 SAMPLE BY 44m ALIGN TO CALENDAR WITH OFFSET '00:00')");
  });

  it('drops partitions only at a UTC day boundary, written as a literal from a number', () => {
    expect(sql.dropPartitionsSql('readings', T0)).toBe("ALTER TABLE readings DROP PARTITION WHERE ts < to_timestamp('2026-03-02', 'yyyy-MM-dd')");
    expect(sql.countBeforeSql('readings', T0)).toBe("SELECT count() AS n FROM readings WHERE ts < to_timestamp('2026-03-02', 'yyyy-MM-dd')");
    expect(() => sql.dropPartitionsSql('readings', T0 + HOUR)).toThrow(/not a UTC day boundary/);
  });

  it('counts purged rows, or buckets with data per entity, for one entity or all but some', () => {
    expect(sql.purgeCountSql('r', 'raw', { only: 6 }, 0, T0)).toEqual({
      sql: 'SELECT count() AS n FROM r WHERE ts >= $1 AND ts < $2 AND entity = $3',
      params: ['1970-01-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z', 6],
    });
    expect(sql.purgeCountSql('r', '1m', { except: [6, 7] }, 0, T0).sql).toBe(
      "SELECT count() AS n FROM (SELECT ts, entity, count() AS c FROM r WHERE ts >= $1 AND ts < $2 AND entity != 6 AND entity != 7 SAMPLE BY 1m ALIGN TO CALENDAR WITH OFFSET '00:00')",
    );
    expect(sql.purgeCountSql('r', '1h', { except: [] }, 0, T0).sql).toContain('WHERE ts >= $1 AND ts < $2 SAMPLE BY 1h');
    expect(() => sql.purgeCountSql('r', 'raw', { except: [Number.NaN] }, 0, T0)).toThrow(/not an integer/);
  });

  it("asks for each entity's newest reading with LATEST ON the designated timestamp", () => {
    expect(sql.latestSql('readings')).toBe('SELECT entity, cast(ts AS long) AS ts_us, value FROM readings LATEST ON ts PARTITION BY entity');
    expect(() => sql.latestSql('r; DROP TABLE x')).toThrow(/must match/);
  });

  it('reads the WAL status of its own table', () => {
    expect(sql.walStatusSql('readings')).toBe("SELECT writerTxn AS writer_txn, sequencerTxn AS sequencer_txn, suspended FROM wal_tables() WHERE name = 'readings'");
  });
});

describe('QuestDB history helpers', () => {
  it('turns SQLite-rule plans into SAMPLE BY strides, e.g. 44-minute buckets for 3 days in 100 points', () => {
    const plan = planHistory({ entity: 1, from: T0 + 7000, to: T0 + 3 * DAY - 1, points: 100 }, { raw: 0, '1m': 0, '1h': 0 });
    expect(plan).toMatchObject({ source: '1m', step: 44 * MIN });
    expect(sql.sampleStride(plan.step)).toBe('44m');
  });

  it('maps rows: microsecond strings to ms, int8 counts to numbers, buckets sorted by time', () => {
    expect(rawPoints([{ ts_us: String(T0 * 1000), value: 2.5 }])).toEqual([{ ts: T0, min: 2.5, max: 2.5, mean: 2.5, count: 1, last: 2.5 }]);
    const row = (ts: number, last: number) => ({ ts_us: String(ts * 1000), v_min: 1, v_max: 3, v_avg: 2, v_count: '4', v_last: last });
    expect(sampledPoints([row(T0 + MIN, 9), row(T0, 8)])).toEqual([
      { ts: T0, min: 1, max: 3, mean: 2, count: 4, last: 8 },
      { ts: T0 + MIN, min: 1, max: 3, mean: 2, count: 4, last: 9 },
    ]);
  });

  it('finds the whole hours starting in a range', () => {
    expect(hourSpan(T0, T0 + 3 * HOUR)).toEqual({ first: T0, last: T0 + 3 * HOUR });
    expect(hourSpan(T0 + 1, T0 + 3 * HOUR - 1)).toEqual({ first: T0 + HOUR, last: T0 + 2 * HOUR });
    expect(hourSpan(T0 + 1, T0 + HOUR - 1)).toBeNull();
  });

  it('counts counter increases per reading, a drop as a reset from zero, across chunks and from a baseline', () => {
    const first = new CounterIncreases(undefined);
    for (const [at, v] of [[10 * MIN, 100], [40 * MIN, 101.5], [HOUR + 5 * MIN, 103], [HOUR + 20 * MIN, 0.5]] as const) first.add(T0 + at, v);
    first.add(T0 + HOUR + 50 * MIN, 2); // a later chunk carries on from the previous reading
    first.add(T0 + 3 * HOUR + MIN, 4.25);
    expect(first.result()).toEqual([
      { ts: T0, increase: 1.5 },
      { ts: T0 + HOUR, increase: 3.5 },
      { ts: T0 + 3 * HOUR, increase: 2.25 },
    ]);
    const later = new CounterIncreases(101.5);
    later.add(T0 + HOUR + 5 * MIN, 103);
    later.add(T0 + HOUR + 6 * MIN, 103);
    expect(later.result()).toEqual([{ ts: T0 + HOUR, increase: 1.5 }]);
  });

  it("describes connection errors whose message is empty (Node's AggregateError) and hides passwords", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(new AggregateError([refused], ''))).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(describeError('plain')).toBe('plain');
    expect(redactUrl('postgresql://admin:quest@questdb.lan:8812/qdb')).toBe('postgresql://admin:***@questdb.lan:8812/qdb');
  });
});

describe('QuestDB retention horizons', () => {
  const policy: RetentionPolicy = {
    rawBefore: T0 + 10 * DAY,
    minuteBefore: T0 + 15 * DAY,
    hourBefore: T0 + 2 * DAY,
    overrides: new Map([
      [6, { minuteBefore: T0 + 12 * DAY }],
      [7, { rawBefore: T0 + 5 * DAY, minuteBefore: T0 + 5 * DAY, hourBefore: null }],
    ]),
  };

  it('moves horizons per entity, only forward, with an override of null keeping hours forever', () => {
    const next = advanceHorizons(new Map(), policy);
    expect(next.get(GLOBAL)).toEqual({ raw: T0 + 10 * DAY, '1m': T0 + 15 * DAY, '1h': T0 + 2 * DAY });
    expect(next.get(6)).toEqual({ raw: T0 + 10 * DAY, '1m': T0 + 12 * DAY, '1h': T0 + 2 * DAY });
    expect(next.get(7)).toEqual({ raw: T0 + 5 * DAY, '1m': T0 + 5 * DAY, '1h': 0 });
    const looser = { rawBefore: T0, minuteBefore: T0, hourBefore: null, overrides: new Map() };
    expect(advanceHorizons(next, looser)).toEqual(next);
  });

  it('hides rollup buckets whole and frees only days no horizon needs', () => {
    const h = { raw: T0 + 90_000, '1m': T0 + 90_000, '1h': T0 + 90 * MIN };
    expect([visibleFrom('raw', h), visibleFrom('1m', h), visibleFrom('1h', h)]).toEqual([T0 + 90_000, T0 + MIN, T0 + HOUR]);
    expect(physicalCutoff(advanceHorizons(new Map(), policy))).toBe(0); // entity 7 keeps its hours forever
    const all = advanceHorizons(new Map(), { ...policy, overrides: new Map() });
    expect(physicalCutoff(all)).toBe(T0 + 2 * DAY);
    expect(physicalCutoff(new Map())).toBe(0);
  });

  it('counts what each group of entities loses per tier, stores the horizons and drops what no one needs', async () => {
    const statements: Array<{ sql: string; params: unknown[] | undefined }> = [];
    const query = async <R extends object>(text: string, params?: unknown[]) => {
      statements.push({ sql: text, params });
      return [{ n: '5' }] as unknown as R[];
    };
    const timed = <T>(work: () => Promise<T>) => work();
    const old: HorizonMap = new Map();
    const { deleted, horizons } = await purgeWithHorizons({ table: 'r', query, timed }, old, { ...policy, overrides: new Map([[6, { minuteBefore: T0 + 12 * DAY }]]) });
    // Two groups (all but 6, and 6) times three tiers, each answering 5.
    expect(deleted).toEqual({ raw: 10, minute: 10, hour: 10 });
    expect(statements.slice(0, 6).map((s) => /AND entity (!= 6|= \$3)/.exec(s.sql)?.[1])).toEqual(['!= 6', '!= 6', '!= 6', '= $3', '= $3', '= $3']);
    expect(statements[6]!.sql).toMatch(/^INSERT INTO r_horizons/);
    expect(statements[6]!.params).toHaveLength(10);
    expect(statements.slice(7).map((s) => s.sql)).toEqual([sql.countBeforeSql('r', T0 + 2 * DAY), sql.dropPartitionsSql('r', T0 + 2 * DAY)]);
    expect(horizons.get(6)!['1m']).toBe(T0 + 12 * DAY);
  });
});

describe('QuestDB write queue', () => {
  it('drops the oldest readings beyond its capacity and counts them', () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.length).toBe(3);
    expect(q.peek(10).items).toEqual([3, 4, 5]);
    expect(q.takeDropped()).toBe(2);
    expect(q.takeDropped()).toBe(0);
  });

  it('acknowledges a written batch even when the cap evicted part of it meanwhile', () => {
    const q = new BoundedQueue<number>(4);
    for (let i = 1; i <= 4; i++) q.push(i);
    const batch = q.peek(2); // 1, 2 being written
    q.push(5);
    q.push(6); // evicts 1 and 2
    q.push(7); // evicts 3
    q.ack(batch.until);
    expect(q.peek(10).items).toEqual([4, 5, 6, 7]);
  });

  it('stays correct through compaction of a long queue', () => {
    const q = new BoundedQueue<number>(10_000);
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 4; i++) q.ack(q.peek(1000).until);
    expect(q.length).toBe(1000);
    expect(q.peek(2).items).toEqual([4000, 4001]);
  });

  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelay(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });
});

describe('QuestDB writer', () => {
  const reading = (i: number): Reading => ({ entity: 1, ts: T0 + i, value: i });

  it('keeps readings when a write fails, says why, waits out the back-off, and writes them later', async () => {
    let fail = true;
    const written: Reading[] = [];
    const write = vi.fn(async (rows: Reading[]) => {
      if (fail) throw Object.assign(new Error(''), { code: 'ECONNREFUSED' });
      written.push(...rows);
    });
    const writer = new ReadingWriter({ write, log: silent, batchSize: 2, maxQueue: 100, retryBaseMs: 60_000, retryMaxMs: 60_000 });
    for (let i = 0; i < 3; i++) writer.append(reading(i));
    expect(await writer.drain()).toBe(false);
    expect(writer.lastError).toBe('ECONNREFUSED');
    expect(writer.queue.length).toBe(3);
    writer.tick(); // inside the back-off: no attempt
    expect(write).toHaveBeenCalledTimes(1);
    fail = false;
    writer.tick(Date.now() + 60_001);
    await writer.drain();
    expect(written).toEqual([0, 1, 2].map(reading));
    expect([writer.lastError, writer.queue.length, writer.written]).toEqual([undefined, 0, 3]);
  });

  it('lets concurrent drains share one run, and writes readings appended during it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batches: number[] = [];
    const writer = new ReadingWriter({
      write: async (rows) => {
        batches.push(rows.length);
        await gate;
      },
      log: silent,
      batchSize: 10,
      maxQueue: 100,
      retryBaseMs: 1000,
      retryMaxMs: 1000,
    });
    writer.append(reading(1));
    const a = writer.drain();
    writer.append(reading(2));
    const b = writer.drain();
    release();
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(batches).toEqual([1, 1]);
    expect(writer.written).toBe(2);
  });

  it('logs the readings it had to drop when the queue overflowed while QuestDB was away', async () => {
    const warn = vi.spyOn(silent, 'warn');
    const writer = new ReadingWriter({ write: async () => Promise.reject(new Error('down')), log: silent, batchSize: 10, maxQueue: 3, retryBaseMs: 1, retryMaxMs: 1 });
    for (let i = 0; i < 5; i++) writer.append(reading(i));
    await writer.drain();
    expect(writer.droppedTotal).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('dropped the 2 oldest'));
  });
});
