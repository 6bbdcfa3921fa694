import { afterEach, describe, expect, it } from 'vitest';
import type { Bucket, History, Reading, TimeSeriesStore } from '../../core/store/timeseries.ts';

/**
 * Behaviour every time-series backend must show, whatever it stores underneath.
 * `open` gives a store on empty storage; `reopen()` opens that same storage
 * again (the test closes the first store before calling it).
 */
export interface OpenedStore {
  store: TimeSeriesStore;
  reopen(): Promise<TimeSeriesStore>;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight UTC: day-aligned, but not aligned to odd steps such as 44 minutes. */
const T0 = Date.UTC(2026, 2, 2);

/** Deterministic values with decimals, so no two neighbours are alike and sums are not trivially exact. */
const valueAt = (i: number) => Math.round((20 + 5 * Math.sin(i / 37) + ((i * 7919) % 13) / 10) * 100) / 100;

function series(entity: number, from: number, to: number, every: number): Reading[] {
  const out: Reading[] = [];
  for (let ts = from, i = 0; ts <= to; ts += every, i++) out.push({ entity, ts, value: valueAt(i) });
  return out;
}

/** The buckets a store should answer, computed straight from the readings: every bucket overlapping [from, to], whole. */
function expectedBuckets(readings: Reading[], from: number, to: number, step: number): Bucket[] {
  const lo = Math.floor(from / step) * step;
  const hi = Math.floor(to / step) * step + step;
  const byStart = new Map<number, Bucket & { lastTs: number; sum: number }>();
  for (const r of readings) {
    if (r.ts < lo || r.ts >= hi) continue;
    const start = Math.floor(r.ts / step) * step;
    const b = byStart.get(start);
    if (!b) byStart.set(start, { ts: start, min: r.value, max: r.value, mean: 0, count: 1, last: r.value, lastTs: r.ts, sum: r.value });
    else {
      b.min = Math.min(b.min, r.value);
      b.max = Math.max(b.max, r.value);
      b.count++;
      b.sum += r.value;
      if (r.ts > b.lastTs) [b.last, b.lastTs] = [r.value, r.ts];
    }
  }
  return [...byStart.values()]
    .sort((a, b) => a.ts - b.ts)
    .map(({ ts, min, max, sum, count, last }) => ({ ts, min, max, mean: sum / count, count, last }));
}

/** Exact on everything but the mean, whose float sum may be added up in another order. */
function expectSameBuckets(actual: Bucket[], expected: Bucket[]): void {
  expect(actual.map(({ mean: _, ...b }) => b)).toEqual(expected.map(({ mean: _, ...b }) => b));
  actual.forEach((b, i) => expect(b.mean).toBeCloseTo(expected[i]!.mean, 9));
}

const raw = (r: Reading): Bucket => ({ ts: r.ts, min: r.value, max: r.value, mean: r.value, count: 1, last: r.value });

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`time-series store contract: ${name}`, () => {
    const openStores = new Set<TimeSeriesStore>();
    afterEach(async () => {
      for (const store of openStores) await store.close();
      openStores.clear();
    });

    async function fresh(readings: Reading[] = []): Promise<OpenedStore & { store: TimeSeriesStore }> {
      const opened = await open();
      openStores.add(opened.store);
      for (const r of readings) opened.store.append(r);
      await opened.store.flush();
      return opened;
    }

    async function closeAndReopen(opened: OpenedStore, store: TimeSeriesStore): Promise<TimeSeriesStore> {
      await store.close();
      openStores.delete(store);
      const again = await opened.reopen();
      openStores.add(again);
      return again;
    }

    it('returns raw readings of one entity in an inclusive range', async () => {
      const inRange = [
        { entity: 1, ts: T0, value: 1.5 },
        { entity: 1, ts: T0 + 1000, value: 2.5 },
        { entity: 1, ts: T0 + 2000, value: -3 },
      ];
      const outside = [
        { entity: 1, ts: T0 - 1, value: 7 },
        { entity: 1, ts: T0 + 2001, value: 8 },
        { entity: 2, ts: T0 + 1000, value: 99 },
      ];
      const { store } = await fresh([...outside, ...inRange]);
      const history = await store.history({ entity: 1, from: T0, to: T0 + 2000, points: 10 });
      expect(history).toEqual({ resolution: 'raw', step: null, points: inRange.map(raw) });
    });

    it('answers history with readings still queued, and reports them as pending until then', async () => {
      const { store } = await fresh();
      store.append({ entity: 1, ts: T0, value: 4 });
      store.append({ entity: 1, ts: T0 + 500, value: 5 });
      expect(store.health()).toMatchObject({ status: 'ok', pending: 2, written: 0 });
      const history = await store.history({ entity: 1, from: T0, to: T0 + 1000, points: 10 });
      expect(history.points.map((p) => p.last)).toEqual([4, 5]);
      expect(store.health()).toMatchObject({ pending: 0, written: 2 });
    });

    it('answers at most `points` buckets with the right statistics, from the coarsest source that fits', async () => {
      // A reading every 30 s for three days, plus an hour either side that only whole edge buckets may include.
      const readings = series(1, T0 - HOUR, T0 + 3 * DAY + HOUR, 30_000);
      const { store } = await fresh(readings);
      const cases = [
        // 3 days / 49 gaps = 88.2 min: hourly rollups, rounded up to 2 h.
        { from: T0, to: T0 + 3 * DAY - 1, points: 50, resolution: '1h', step: 2 * HOUR },
        // (3 days - 7 s) / 99 = 43.6 min: minute rollups, 44 min, buckets not aligned to T0.
        { from: T0 + 7000, to: T0 + 3 * DAY - 1, points: 100, resolution: '1m', step: 44 * MIN },
        // 2 h / 149 = 48.3 s: raw readings (241 of them, more than 150) in 49 s buckets.
        { from: T0 + HOUR, to: T0 + 3 * HOUR, points: 150, resolution: 'raw', step: 49_000 },
        // One point over 1 h from half past: 1 h buckets would straddle two, so 2 h.
        { from: T0 + 30 * MIN, to: T0 + 90 * MIN, points: 1, resolution: '1h', step: 2 * HOUR },
      ] as const;
      for (const c of cases) {
        const history = await store.history({ entity: 1, from: c.from, to: c.to, points: c.points });
        expect({ resolution: history.resolution, step: history.step }).toEqual({ resolution: c.resolution, step: c.step });
        expect(history.points.length).toBeLessThanOrEqual(c.points);
        expect(history.points.length).toBeGreaterThan(c.points / 3);
        expectSameBuckets(history.points, expectedBuckets(readings, c.from, c.to, c.step));
      }
    });

    it('buckets by an explicit step, leaving out buckets without readings', async () => {
      const readings = series(1, T0, T0 + DAY, 30_000);
      const { store } = await fresh(readings);
      const cases = [
        { from: T0, to: T0 + DAY - 1, step: HOUR, resolution: '1h', buckets: 24 },
        { from: T0, to: T0 + 2 * HOUR - 1, step: 2 * MIN, resolution: '1m', buckets: 60 },
        { from: T0, to: T0 + HOUR - 1, step: 90_000, resolution: 'raw', buckets: 40 },
        { from: T0, to: T0 + 10 * MIN - 1, step: 5000, resolution: 'raw', buckets: 20 },
      ] as const;
      for (const c of cases) {
        const history = await store.history({ entity: 1, from: c.from, to: c.to, points: 2, step: c.step });
        expect({ resolution: history.resolution, step: history.step }).toEqual({ resolution: c.resolution, step: c.step });
        expect(history.points).toHaveLength(c.buckets);
        expectSameBuckets(history.points, expectedBuckets(readings, c.from, c.to, c.step));
      }
    });

    it('keeps `last` the latest reading by time when readings arrive out of order', async () => {
      const { store } = await fresh();
      const arrivals = [
        [[90, 8], [50, 5], [10, 1]],
        [[20, 2], [59, 7], [30, 3]],
        [[40, 4], [70, 6]],
      ];
      for (const flush of arrivals) {
        for (const [s, value] of flush) store.append({ entity: 3, ts: T0 + s! * 1000, value: value! });
        await store.flush();
      }
      const ask = (step: number) => store.history({ entity: 3, from: T0, to: T0 + HOUR - 1, points: 2, step });
      expect((await ask(30_000)).points.map((b) => [b.ts - T0, b.last, b.count])).toEqual([
        [0, 2, 2],
        [30_000, 7, 4],
        [60_000, 6, 1],
        [90_000, 8, 1],
      ]);
      expect((await ask(MIN)).points.map((b) => [b.ts - T0, b.last, b.min, b.max])).toEqual([[0, 7, 1, 7], [MIN, 8, 6, 8]]);
      expect((await ask(HOUR)).points).toEqual([{ ts: T0, min: 1, max: 8, mean: 36 / 8, count: 8, last: 8 }]);
    });

    it("answers each entity's latest reading by time, queued ones included, whatever order they arrived in, and after a reopen", async () => {
      const opened = await fresh([
        { entity: 1, ts: T0 + 2 * HOUR + 5_000, value: 12.5 },
        { entity: 1, ts: T0 + 10_000, value: 1 },
        { entity: 2, ts: T0 + HOUR, value: 0 },
      ]);
      // Arriving later but measured earlier: neither is anyone's latest.
      opened.store.append({ entity: 1, ts: T0 + 2 * HOUR + 4_000, value: 99 });
      opened.store.append({ entity: 2, ts: T0 + 30_000, value: 1 });
      opened.store.append({ entity: 5, ts: T0 + DAY, value: -3.25 }); // never flushed by the test
      const byEntity = (readings: Reading[]) => [...readings].sort((a, b) => a.entity - b.entity);
      const expected = [
        { entity: 1, ts: T0 + 2 * HOUR + 5_000, value: 12.5 },
        { entity: 2, ts: T0 + HOUR, value: 0 },
        { entity: 5, ts: T0 + DAY, value: -3.25 },
      ];
      expect(byEntity(await opened.store.latest())).toEqual(expected);
      const again = await closeAndReopen(opened, opened.store);
      expect(byEntity(await again.latest())).toEqual(expected);
    });

    it('gives the same statistics from rollups as from the raw readings over the same buckets', async () => {
      const readings = series(4, T0, T0 + 3 * HOUR, 7000);
      // Arrive shuffled in blocks of 10, across several flushes.
      const shuffled = readings.map((r, i) => ({ r, key: Math.floor(i / 10) * 10 + ((i * 7) % 10) })).sort((a, b) => a.key - b.key);
      const { store } = await fresh();
      shuffled.forEach(({ r }, i) => {
        store.append(r);
        if (i % 500 === 0) void store.flush();
      });
      const rawHistory = await store.history({ entity: 4, from: T0, to: T0 + 3 * HOUR, points: 10_000 });
      expect(rawHistory.resolution).toBe('raw');
      expect(rawHistory.points).toEqual(readings.map(raw));
      const fromRaw = rawHistory.points.map((p) => ({ entity: 4, ts: p.ts, value: p.last }));
      for (const [step, resolution] of [[MIN, '1m'], [5 * MIN, '1m'], [HOUR, '1h']] as const) {
        const history = await store.history({ entity: 4, from: T0, to: T0 + 3 * HOUR - 1, points: 2, step });
        expect(history.resolution).toBe(resolution);
        expectSameBuckets(history.points, expectedBuckets(fromRaw, T0, T0 + 3 * HOUR - 1, step));
      }
    });

    it('counts a reading repeated with the same entity and time once', async () => {
      const { store } = await fresh();
      // As an MQTT device re-sending after a reconnect does: within one flush and across flushes.
      for (const [s, value] of [[0, 5], [1, 6], [2, 7], [2, 7]]) store.append({ entity: 2, ts: T0 + s! * 1000, value: value! });
      await store.flush();
      store.append({ entity: 2, ts: T0, value: 5 });
      store.append({ entity: 2, ts: T0 + 1000, value: 6 });
      const history = await store.history({ entity: 2, from: T0, to: T0 + 10_000, points: 10 });
      expect(history.points.map((p) => p.last)).toEqual([5, 6, 7]);
      expect((await store.history({ entity: 2, from: T0, to: T0 + HOUR - 1, points: 2, step: HOUR })).points).toEqual([
        { ts: T0, min: 5, max: 7, mean: 6, count: 3, last: 7 },
      ]);
      expect(await store.hourlyIncrease(2, T0, T0)).toEqual([{ ts: T0, increase: 2 }]);
    });

    it('keeps each entity apart when many arrive interleaved in one batch, as devices send them', async () => {
      const { store } = await fresh();
      const ENTITIES = 40;
      // Entity ids spread out (as a registry's are after deletions), each with its own values; entity 100 is a meter.
      const ids = Array.from({ length: ENTITIES }, (_, e) => 100 + e * 3);
      for (let s = 0; s < 30; s++) {
        for (const [e, id] of ids.entries()) store.append({ entity: id, ts: T0 + s * 1000, value: id === 100 ? s * 2 : e * 1000 + s });
        // A device re-sending its last reading: stored once.
        if (s % 10 === 9) store.append({ entity: ids[5]!, ts: T0 + s * 1000, value: 5 * 1000 + s });
      }
      await store.flush();
      for (const [e, id] of ids.entries()) {
        const history = await store.history({ entity: id, from: T0, to: T0 + MIN, points: 100 });
        expect(history.points.map((p) => p.last), `entity ${id}`).toEqual(Array.from({ length: 30 }, (_, s) => (id === 100 ? s * 2 : e * 1000 + s)));
      }
      expect(await store.hourlyIncrease(100, T0, T0)).toEqual([{ ts: T0, increase: 58 }]);
      expect((await store.history({ entity: ids[5]!, from: T0, to: T0 + HOUR - 1, points: 2, step: HOUR })).points[0]?.count).toBe(30);
    });

    it('answers hourly increases of a counter, counting a meter reset from zero', async () => {
      const { store } = await fresh();
      const meter = (at: number, value: number) => store.append({ entity: 5, ts: T0 + at, value });
      meter(10 * MIN, 100); // the first reading ever: nothing to compare with
      meter(40 * MIN, 101.5); // +1.5
      await store.flush();
      meter(HOUR + 5 * MIN, 103); // +1.5
      meter(HOUR + 20 * MIN, 0.5); // reset: +0.5
      meter(HOUR + 50 * MIN, 2); // +1.5
      meter(HOUR + 10 * MIN, 1.75); // late, older than the latest: no increase, and no reset either
      store.append({ entity: 6, ts: T0 + 2 * HOUR, value: 1000 });
      meter(3 * HOUR + MIN, 4.25); // +2.25
      expect(await store.hourlyIncrease(5, T0, T0 + 3 * HOUR)).toEqual([
        { ts: T0, increase: 1.5 },
        { ts: T0 + HOUR, increase: 3.5 },
        { ts: T0 + 3 * HOUR, increase: 2.25 },
      ]);
      expect(await store.hourlyIncrease(5, T0 + 1, T0 + 3 * HOUR - 1)).toEqual([{ ts: T0 + HOUR, increase: 3.5 }]);
    });

    it('purges by policy and per-entity overrides, answering purged ranges from the rollups that remain', async () => {
      const a = series(6, T0, T0 + 20 * DAY - 1, MIN);
      const b = series(7, T0, T0 + 20 * DAY - 1, MIN);
      const c = series(9, T0, T0 + 20 * DAY - 1, HOUR);
      const { store } = await fresh([...a, ...b, ...c]);
      const policy = {
        rawBefore: T0 + 10 * DAY,
        minuteBefore: T0 + 15 * DAY,
        hourBefore: T0 + 2 * DAY + 30 * MIN, // an hour is purged only once all of it is older
        overrides: new Map([
          [6, { minuteBefore: T0 + 12 * DAY }], // raw and hourly: the defaults
          [7, { rawBefore: T0 + 5 * DAY, minuteBefore: T0 + 5 * DAY, hourBefore: null }],
        ]),
      };
      const result = await store.purge(policy);
      expect(result.deleted).toEqual({
        raw: 10 * 1440 + 5 * 1440 + 10 * 24,
        minute: 12 * 1440 + 5 * 1440 + 15 * 24,
        hour: 2 * 24 + 2 * 24,
      });
      expect(result.longestPauseMs).toBeGreaterThanOrEqual(0);

      const ask = async (entity: number, from: number, to: number, points: number): Promise<History> =>
        store.history({ entity, from: T0 + from, to: T0 + to, points });
      const check = async (readings: Reading[], from: number, to: number, points: number, resolution: string, step: number) => {
        const history = await ask(readings[0]!.entity, from, to, points);
        expect({ resolution: history.resolution, step: history.step }).toEqual({ resolution, step });
        expectSameBuckets(history.points, expectedBuckets(readings, T0 + from, T0 + to, step));
      };
      // Raw and minute rollups gone: hourly rollups, even where raw readings would fit in `points`.
      await check(a, 3 * DAY, 4 * DAY - 1, 500, '1h', HOUR);
      await check(a, 6 * DAY, 6 * DAY + 10 * MIN, 100, '1h', HOUR);
      expect((await ask(6, 0, DAY - 1, 500)).points).toEqual([]);
      const kept = a.filter((r) => r.ts >= T0 + 12 * DAY && r.ts <= T0 + 12 * DAY + 10 * MIN);
      expect(await ask(6, 12 * DAY, 12 * DAY + 10 * MIN, 100)).toEqual({ resolution: 'raw', step: null, points: kept.map(raw) });
      // The override keeps raw readings and minute rollups from day 5, and hourly rollups forever.
      await check(b, 6 * DAY, 7 * DAY - 1, 500, '1m', 3 * MIN);
      expect((await ask(7, 6 * DAY, 6 * DAY + 10 * MIN, 100)).resolution).toBe('raw');
      await check(b, 0, DAY - 1, 500, '1h', HOUR);

      expect((await store.purge(policy)).deleted).toEqual({ raw: 0, minute: 0, hour: 0 });
    });

    it('keeps readings, rollups and counter state across close and reopen', async () => {
      const opened = await fresh();
      const first = opened.store;
      first.append({ entity: 8, ts: T0, value: 10 });
      first.append({ entity: 8, ts: T0 + MIN, value: 12 });
      const again = await closeAndReopen(opened, first);
      expect((await again.history({ entity: 8, from: T0, to: T0 + HOUR, points: 10 })).points.map((p) => p.last)).toEqual([10, 12]);
      expect((await again.history({ entity: 8, from: T0, to: T0 + HOUR - 1, points: 2, step: HOUR })).points).toEqual([
        { ts: T0, min: 10, max: 12, mean: 11, count: 2, last: 12 },
      ]);
      again.append({ entity: 8, ts: T0 + 2 * MIN, value: 15 }); // +3 over the 12 written before the reopen
      again.append({ entity: 8, ts: T0 + HOUR, value: 1 }); // reset: +1
      expect(await again.hourlyIncrease(8, T0, T0 + HOUR)).toEqual([
        { ts: T0, increase: 5 },
        { ts: T0 + HOUR, increase: 1 },
      ]);
    });

    it('rejects a step that is not a positive whole number of seconds, or too fine for the range', async () => {
      const { store } = await fresh([{ entity: 1, ts: T0, value: 1 }]);
      const ask = (step: number, to = T0 + DAY) => store.history({ entity: 1, from: T0, to, points: 100, step });
      for (const step of [1500, 0, -MIN, 0.5, Number.NaN]) await expect(ask(step)).rejects.toThrow(/^step: /);
      await expect(ask(1000, T0 + 31 * DAY)).rejects.toThrow('step: 1s over this range gives more than 10000 buckets; widen the step or narrow the range');
      await expect(ask(MIN, T0 + 6 * DAY)).resolves.toMatchObject({ resolution: '1m' });
    });
  });
}
