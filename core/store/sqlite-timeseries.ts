import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { kyselyOn, migrate, openSqlite, type SqliteHandle } from '../db/sqlite.ts';
import { checkpointInWorker, type Checkpointer } from './sqlite-checkpointer.ts';
import { ReadingJournal } from './reading-journal.ts';
import { ReadingQueue } from './reading-queue.ts';
import { historyReader, planHistory, type Horizons } from './sqlite-history.ts';
import { timeseriesMigrations } from './sqlite-timeseries-migrations.ts';
import { startWriterThread, type WriterThread, type WriterThreadOptions } from './sqlite-writer-thread.ts';
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
  writer?: WriterThreadOptions;
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

/**
 * Readings in their own SQLite file, so long scans and purges never contend
 * with the registry. Writes are queued here and committed by a writer thread
 * (sqlite-writer-thread.ts, sqlite-writer.js) with its own connection, in one
 * transaction per flush together with the 1-minute and 1-hour rollups they
 * change, so rollups are never behind the raw readings; purges run on that
 * connection too. Reads stay on this thread's connection: with WAL they never
 * block the writer, and they see every commit confirmed before they start.
 * WAL checkpoints, the only disk flushes, run in another worker thread
 * (sqlite-checkpointer.ts), so neither ingest nor purge waits for the disk.
 * `sync()` makes queued readings crash-safe sooner than a commit, by
 * appending them to a journal (reading-journal.ts) that the next open
 * commits if the process died first.
 *
 * The first write of an (entity, ts) wins and repeats are dropped: a rollup
 * cannot un-count a value that a replacing write would take away.
 *
 * Counter increases (rollup_1h.increase) are kept for every entity, since the
 * store does not know which are counters: the positive change from the
 * entity's previous reading, or the new value itself when it dropped (a meter
 * reset). The writer thread keeps the previous reading in memory, seeded from
 * the file on the entity's first write after open. A reading older than the
 * latest one adds nothing: it cannot be placed between its neighbours without
 * rewriting hours already counted, and taking it for a reset would count the
 * whole meter.
 */
export class SqliteTimeSeries implements TimeSeriesStore {
  private readonly queue = new ReadingQueue();
  private written = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private earlyFlush = false;
  /** the commit under way: one batch at a time, so a failed one goes back in front, in order */
  private committing: Promise<void> | undefined;
  /** how many readings at the front of the queue are in the journal */
  private journaled = 0;
  private readonly reader: ReturnType<typeof historyReader>;
  private readonly sql: Record<'horizons' | 'increases' | 'latest', Statement>;

  private constructor(
    private readonly sqlite: SqliteHandle,
    private readonly log: Logger,
    private readonly batchSize: number,
    private readonly writer: WriterThread,
    private readonly checkpointer: Checkpointer,
    private readonly journal: ReadingJournal,
  ) {
    this.sql = {
      horizons: sqlite.prepare('SELECT raw_before AS raw, minute_before AS "1m", hour_before AS "1h" FROM series WHERE entity = ?'),
      increases: sqlite.prepare('SELECT bucket AS ts, increase FROM rollup_1h WHERE entity = ? AND bucket BETWEEN ? AND ? ORDER BY bucket'),
      // An entity's newest hourly rollup holds its latest reading (written in the same transaction), and outlives the raw readings.
      latest: sqlite.prepare(`
        SELECT h.entity, h.last_ts AS ts, h.last AS value FROM series s
        JOIN rollup_1h h ON h.entity = s.entity AND h.bucket = (SELECT max(bucket) FROM rollup_1h WHERE entity = s.entity)`),
    };
    this.reader = historyReader(sqlite);
  }

  static async open(options: SqliteTimeSeriesOptions): Promise<SqliteTimeSeries> {
    const sqlite = openSqlite(options.file);
    await migrate(kyselyOn(sqlite), timeseriesMigrations);
    const writer = startWriterThread(options.file, options.log, options.writer);
    const checkpointer = checkpointInWorker(writer, options.file, options.log);
    writer.checkpointWith(checkpointer);
    const journal = ReadingJournal.open(options.file);
    const store = new SqliteTimeSeries(sqlite, options.log, options.batchSize ?? 10_000, writer, checkpointer, journal);
    const recovered = journal.recover(store.queue, options.log);
    if (recovered > 0) {
      // Acknowledged before the last stop and maybe never committed (a repeat of a committed one is dropped).
      store.journaled = store.queue.length;
      await store.flush();
      options.log.info(`readings from the journal of the last run committed again (repeats dropped): ${recovered}`);
    }
    store.timer = setInterval(() => void store.flush(), options.flushIntervalMs ?? 1000);
    store.timer.unref();
    return store;
  }

  append(reading: Reading): void {
    this.queue.push(reading.entity, reading.ts, reading.value);
    // Not while a commit runs: under load the queue stays above batchSize for all of it, and a flush
    // per event-loop turn would pile up waiters that all wake when it ends. The next append after it starts one.
    if (this.queue.length >= this.batchSize && !this.earlyFlush && !this.committing) {
      this.earlyFlush = true;
      setImmediate(() => {
        this.earlyFlush = false;
        void this.flush();
      });
    }
  }

  /** Resolves once everything queued before the call is committed, or its commit failed (then it is kept, see health()). */
  async flush(): Promise<void> {
    // A caller arriving during a commit has its readings in the queue: they go in the next one.
    while (this.committing) await this.committing;
    if (this.queue.length === 0) return;
    this.committing = this.commit().finally(() => (this.committing = undefined));
    await this.committing;
  }

  /** Journals what no sync covered yet: one write, no commit. Throws when the disk refuses. */
  async sync(): Promise<void> {
    if (this.journaled === this.queue.length) return;
    this.journal.write(this.queue.view(this.journaled, this.queue.length));
    this.journaled = this.queue.length;
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

  async latest(): Promise<Reading[]> {
    await this.flush();
    return this.sql.latest.all() as Reading[];
  }

  async hourlyIncrease(entity: number, from: number, to: number): Promise<HourlyIncrease[]> {
    await this.flush();
    return this.sql.increases.all(entity, from, to) as HourlyIncrease[];
  }

  purge(policy: RetentionPolicy): Promise<PurgeResult> {
    return this.writer.purge(policy);
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
    await this.flush();
    await this.writer.close();
    await this.checkpointer.stop();
    this.journal.close();
    this.sqlite.close();
  }

  private async commit(): Promise<void> {
    const batch = this.queue.take();
    // The batch's journaled readings are in the files sealed now; readings journaled from here on go to a new one.
    this.journal.seal();
    this.journaled = 0;
    try {
      await this.writer.write(batch);
    } catch (error) {
      // Keep what was accepted: put the batch back in front and try again on the next tick.
      this.queue.putBack(batch);
      // Which of the queue's readings are journaled is no longer a prefix: the next sync writes them all again.
      this.journaled = 0;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.log.error({ err: error, pending: this.queue.length }, `time-series write failed: ${this.lastError}`);
      return;
    }
    this.written += batch.entity.length;
    this.lastError = undefined;
    try {
      this.journal.committed();
    } catch (error) {
      // Harmless but for the disk space: a leftover file is committed again at the next open, its readings dropped as repeats.
      this.log.warn({ err: error }, `time-series journal: a committed file could not be deleted: ${(error as Error).message}`);
    }
  }
}

