import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { kyselyOn, migrate, openSqlite, type SqliteHandle } from '../db/sqlite.ts';
import { checkpointInWorker, type Checkpointer } from './sqlite-checkpointer.ts';
import { historyReader, planHistory, type Horizons } from './sqlite-history.ts';
import { purgeChunked } from './sqlite-purge.ts';
import { BatchRollup, rollupWriters } from './sqlite-rollups.ts';
import { timeseriesMigrations } from './sqlite-timeseries-migrations.ts';
import type {
  History,
  HistoryQuery,
  HourlyIncrease,
  PurgeResult,
  Reading,
  RetentionPolicy,
  StoreHealth,
  TimeSeriesStore,
} from './timeseries.ts';

export interface SqliteTimeSeriesOptions {
  file: string;
  log: Logger;
  /** how often queued readings are committed */
  flushIntervalMs?: number;
  /** commit early once this many readings are queued */
  batchSize?: number;
}

/** What the file holds, measured after a checkpoint; reads every page, so for benchmarks and diagnostics. */
export interface StorageStats {
  readings: number;
  /** pages in use (free pages left by purges excluded) times the page size */
  usedBytes: number;
  /** pages of the readings table alone */
  readingsBytes: number;
  /** pages of both rollup tables */
  rollupBytes: number;
}

type Statement = Database.Statement<unknown[]>;
/** An entity's latest committed reading by time: what the next counter increase is measured from. */
type Latest = { ts: number; value: number } | null;

/**
 * Readings in their own SQLite file, so long scans and purges never contend
 * with the registry. Writes are queued and committed in one transaction per
 * flush with prepared statements, together with the 1-minute and 1-hour
 * rollups they change, so rollups are never behind the raw readings. WAL
 * checkpoints, the only disk flushes, run in a worker thread
 * (sqlite-checkpointer.ts), so neither ingest nor purge waits for the disk.
 *
 * The first write of an (entity, ts) wins and repeats are dropped: a rollup
 * cannot un-count a value that a replacing write would take away.
 *
 * Counter increases (rollup_1h.increase) are kept for every entity, since the
 * store does not know which are counters: the positive change from the
 * entity's previous reading, or the new value itself when it dropped (a meter
 * reset). The previous reading is kept in memory, seeded from the file on the
 * entity's first write after open. A reading older than the latest one adds
 * nothing: it cannot be placed between its neighbours without rewriting hours
 * already counted, and taking it for a reset would count the whole meter.
 */
export class SqliteTimeSeries implements TimeSeriesStore {
  private queue: Reading[] = [];
  private written = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private earlyFlush = false;
  private closing = false;
  private purging: Promise<unknown> = Promise.resolve();
  private readonly latest = new Map<number, Latest>();
  private readonly reader: ReturnType<typeof historyReader>;
  private readonly commit: (batch: Reading[]) => Map<number, Latest>;
  private readonly sql: Record<'insert' | 'addSeries' | 'seed' | 'horizons' | 'increases', Statement>;

  private constructor(
    private readonly sqlite: SqliteHandle,
    private readonly log: Logger,
    private readonly batchSize: number,
    private readonly checkpointer: Checkpointer,
  ) {
    this.sql = {
      insert: sqlite.prepare('INSERT INTO readings (entity, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      addSeries: sqlite.prepare('INSERT INTO series (entity) VALUES (?) ON CONFLICT DO NOTHING'),
      seed: sqlite.prepare('SELECT last_ts AS ts, last AS value FROM rollup_1h WHERE entity = ? ORDER BY bucket DESC LIMIT 1'),
      horizons: sqlite.prepare('SELECT raw_before AS raw, minute_before AS "1m", hour_before AS "1h" FROM series WHERE entity = ?'),
      increases: sqlite.prepare('SELECT bucket AS ts, increase FROM rollup_1h WHERE entity = ? AND bucket BETWEEN ? AND ? ORDER BY bucket'),
    };
    this.reader = historyReader(sqlite);
    const rollups = rollupWriters(sqlite);
    this.commit = sqlite.transaction((batch: Reading[]) => {
      const rollup = new BatchRollup();
      // Counter bases move only once the transaction commits, so a retried batch counts the same.
      const staged = new Map<number, Latest>();
      for (const r of batch) {
        // Seeded before the insert, which would otherwise be found as the entity's latest reading.
        if (!staged.has(r.entity) && !this.latest.has(r.entity)) staged.set(r.entity, this.firstSight(r.entity));
        if (this.sql.insert.run(r.entity, r.ts, r.value).changes === 0) continue;
        rollup.add(r.entity, r.ts, r.value, this.increase(r, staged));
      }
      rollups.write(rollup);
      return staged;
    });
  }

  static async open(options: SqliteTimeSeriesOptions): Promise<SqliteTimeSeries> {
    const sqlite = openSqlite(options.file);
    await migrate(kyselyOn(sqlite), timeseriesMigrations);
    const checkpointer = checkpointInWorker(sqlite, options.file, options.log);
    const store = new SqliteTimeSeries(sqlite, options.log, options.batchSize ?? 10_000, checkpointer);
    store.timer = setInterval(() => void store.flush(), options.flushIntervalMs ?? 1000);
    store.timer.unref();
    return store;
  }

  append(reading: Reading): void {
    this.queue.push(reading);
    if (this.queue.length >= this.batchSize && !this.earlyFlush) {
      this.earlyFlush = true;
      setImmediate(() => {
        this.earlyFlush = false;
        void this.flush();
      });
    }
  }

  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      for (const [entity, latest] of this.commit(batch)) this.latest.set(entity, latest);
      this.written += batch.length;
      this.lastError = undefined;
    } catch (error) {
      // Keep what was accepted: put the batch back in front and try again on the next tick.
      this.queue = batch.concat(this.queue);
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.error({ err: error, pending: this.queue.length }, `time-series write failed: ${this.lastError}`);
    }
  }

  async history(query: HistoryQuery): Promise<History> {
    // Commit first so a reader always sees what was accepted before it asked.
    await this.flush();
    const horizons = (this.sql.horizons.get(query.entity) as Horizons | undefined) ?? { raw: 0, '1m': 0, '1h': 0 };
    const plan = planHistory(query, horizons);
    if (plan.probeRaw) {
      const points = this.reader.rawIfAtMost(query.entity, query.from, query.to, query.points);
      if (points) return { resolution: 'raw', step: null, points };
    }
    return { resolution: plan.source, step: plan.step, points: this.reader.buckets(query.entity, plan) };
  }

  async hourlyIncrease(entity: number, from: number, to: number): Promise<HourlyIncrease[]> {
    await this.flush();
    return this.sql.increases.all(entity, from, to) as HourlyIncrease[];
  }

  purge(policy: RetentionPolicy): Promise<PurgeResult> {
    const run = purgeChunked(this.sqlite, policy, { stopping: () => this.closing, catchUp: () => this.checkpointer.checkpoint() });
    this.purging = run.catch(() => undefined);
    return run;
  }

  health(): StoreHealth {
    return {
      backend: 'sqlite',
      status: this.lastError ? 'error' : 'ok',
      pending: this.queue.length,
      written: this.written,
      ...(this.lastError ? { error: this.lastError } : {}),
    };
  }

  async storageStats(): Promise<StorageStats> {
    await this.flush();
    this.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const pragma = (name: string) => this.sqlite.pragma(name, { simple: true }) as number;
    const tables = this.sqlite
      .prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('readings', 'rollup_1m', 'rollup_1h') GROUP BY name")
      .all() as Array<{ name: string; bytes: number }>;
    const bytes = (name: string) => tables.find((t) => t.name === name)?.bytes ?? 0;
    return {
      readings: this.sqlite.prepare('SELECT count(*) FROM readings').pluck().get() as number,
      usedBytes: (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
      readingsBytes: bytes('readings'),
      rollupBytes: bytes('rollup_1m') + bytes('rollup_1h'),
    };
  }

  /** Flushes and closes; a purge under way stops after its current chunk. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closing = true;
    await this.purging;
    await this.flush();
    await this.checkpointer.stop();
    this.sqlite.close();
  }

  private increase(r: Reading, staged: Map<number, Latest>): number {
    const previous = staged.has(r.entity) ? staged.get(r.entity) : this.latest.get(r.entity);
    if (previous && r.ts <= previous.ts) {
      staged.set(r.entity, previous);
      return 0;
    }
    staged.set(r.entity, { ts: r.ts, value: r.value });
    if (!previous) return 0;
    return r.value >= previous.value ? r.value - previous.value : r.value;
  }

  /**
   * First write of the entity since open: register it for purging, and find its
   * latest reading. The latest hourly rollup's `last` is that reading (rollups
   * commit with the readings), and it outlives the raw readings' retention.
   */
  private firstSight(entity: number): Latest {
    this.sql.addSeries.run(entity);
    return (this.sql.seed.get(entity) as Latest | undefined) ?? null;
  }
}
