import pg from 'pg';
import type { Logger } from 'pino';
import { CounterIncreases, describeError, hourSpan, rawPoints, sampledPoints, usToMs, type RawRow, type SampledRow } from './questdb-history.ts';
import { openPool, redactUrl, waitForWal, within } from './questdb-connection.ts';
import { horizonsOf, purgeWithHorizons, visibleFrom, type HorizonMap } from './questdb-retention.ts';
import {
  INSERT_ROWS_PER_STATEMENT,
  checkTableName,
  counterBaselineSql,
  counterRowsSql,
  createHorizonsSql,
  createTableSql,
  dedupeBatch,
  insertParams,
  insertSql,
  isStorable,
  latestSql,
  rawRangeSql,
  sampledRangeSql,
  selectHorizonsSql,
  tsParam,
} from './questdb-sql.ts';
import { ReadingWriter } from './questdb-writer.ts';
import { planHistory } from './sqlite-history.ts';
import {
  ROLLUP_MS,
  type History,
  type HistoryQuery,
  type HourlyIncrease,
  type PurgeResult,
  type Reading,
  type RetentionPolicy,
  type StoreHealth,
  type TimeSeriesStore,
} from './timeseries.ts';

export interface QuestDbTimeSeriesOptions {
  /** postgresql://user:password@host:8812/qdb (QuestDB's PGWire port; the database name is ignored) */
  url: string;
  log: Logger;
  /** how often queued readings are written (default 1000 ms) */
  flushIntervalMs?: number;
  /** write early once this many readings are queued; also the most written per attempt (default 10 000) */
  batchSize?: number;
  /** table name (default "readings"); tests use their own */
  table?: string;
  /** readings kept in memory while QuestDB is away; the oldest go first (default 1 000 000) */
  maxQueue?: number;
  /** how long close() tries to write what is queued (default 3000 ms, inside the hub's 5 s shutdown) */
  closeTimeoutMs?: number;
  /** connect timeout, which is also how long open() can wait for an unreachable host (default 3000 ms) */
  connectTimeoutMs?: number;
  /** client-side limit on any one statement (default 30 s) */
  queryTimeoutMs?: number;
  /** how long flush() waits for QuestDB to apply written rows before reads (default 5000 ms) */
  applyTimeoutMs?: number;
}

const WEEK_MS = 7 * 86_400_000;
/** How far back hourlyIncrease() looks for the reading before its first hour. */
const BASELINE_LOOKBACK_MS = WEEK_MS;
/** Rows of a counter read per query by hourlyIncrease(), so a long range never sits in memory at once. */
const COUNTER_CHUNK_MS = WEEK_MS;

/**
 * Readings in QuestDB, over its PostgreSQL wire protocol. One raw table holds
 * every entity; 1-minute and 1-hour answers are SAMPLE BY queries over it, so
 * there are no rollup tables to keep in step. Writes go through an in-memory
 * queue (see ReadingWriter) so the hub never waits on QuestDB and rides out
 * connection loss; every SQL statement and the QuestDB page it relies on is in
 * questdb-sql.ts.
 */
export class QuestDbTimeSeries implements TimeSeriesStore {
  private readonly writer: ReadingWriter;
  private timer: NodeJS.Timeout | undefined;
  private tableReady = false;
  private creating: Promise<void> | undefined;
  /** rows were written that QuestDB may not have applied to the table yet */
  private unapplied = false;
  /** why the table could not be created, until it is */
  private schemaError: string | undefined;
  /** set while QuestDB reports the table's WAL suspended */
  private walError: string | undefined;
  /** per-entity purge horizons, loaded with the table (see questdb-retention.ts) */
  private horizons: HorizonMap = new Map();
  private rejected = 0;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly log: Logger,
    private readonly options: Required<Pick<QuestDbTimeSeriesOptions, 'closeTimeoutMs' | 'applyTimeoutMs'>>,
    writer: { batchSize: number; maxQueue: number; flushIntervalMs: number },
  ) {
    this.writer = new ReadingWriter({
      write: (rows) => this.write(rows),
      log,
      batchSize: writer.batchSize,
      maxQueue: writer.maxQueue,
      retryBaseMs: writer.flushIntervalMs,
      retryMaxMs: 30_000,
    });
  }

  /**
   * Never fails because QuestDB is away: the first connection attempt is made
   * here (bounded by connectTimeoutMs); when it fails, health() says why, and
   * readings queue until the writer's retries get through.
   */
  static async open(options: QuestDbTimeSeriesOptions): Promise<QuestDbTimeSeries> {
    const table = checkTableName(options.table ?? 'readings');
    checkTableName(`${table}_horizons`);
    const flushIntervalMs = options.flushIntervalMs ?? 1000;
    const pool = openPool(options.url, options.log, options.connectTimeoutMs ?? 3000, options.queryTimeoutMs ?? 30_000);
    const store = new QuestDbTimeSeries(
      pool,
      table,
      options.log,
      { closeTimeoutMs: options.closeTimeoutMs ?? 3000, applyTimeoutMs: options.applyTimeoutMs ?? 5000 },
      { batchSize: options.batchSize ?? 10_000, maxQueue: options.maxQueue ?? 1_000_000, flushIntervalMs },
    );
    try {
      await store.ensureTable();
    } catch (error) {
      options.log.error(`QuestDB at ${redactUrl(options.url)} is not usable yet (${describeError(error)}); readings are queued and retried`);
    }
    store.timer = setInterval(() => store.writer.tick(), flushIntervalMs);
    store.timer.unref();
    return store;
  }

  append(reading: Reading): void {
    if (isStorable(reading)) {
      this.writer.append(reading);
      return;
    }
    // Logged at 1, 2, 4, 8, ... so a device that keeps sending junk cannot flood the log.
    this.rejected++;
    if ((this.rejected & (this.rejected - 1)) === 0) {
      this.log.warn({ reading }, `QuestDB cannot store this reading (entity must be a non-negative integer, ts in 1970..9999, value finite); ${this.rejected} refused so far`);
    }
  }

  /** Writes what is queued and waits until QuestDB shows it to queries; never rejects (see health()). */
  async flush(): Promise<void> {
    if ((await this.writer.drain()) && this.unapplied) await this.waitApplied(this.table);
  }

  /** No journal of its own: committed is what survives. */
  sync(): Promise<void> {
    return this.flush();
  }

  /** Same source and bucket rules as SQLite (planHistory); every source is computed from raw rows past its horizon. */
  async history(q: HistoryQuery): Promise<History> {
    await this.flush();
    await this.ensureTable();
    const horizons = horizonsOf(this.horizons, q.entity);
    const plan = planHistory(q, horizons);
    if (plan.probeRaw) {
      // One row past the limit tells whether the raw readings fit.
      const raw = await this.query<RawRow>(rawRangeSql(this.table), [q.entity, tsParam(q.from), tsParam(q.to), q.points + 1]);
      if (raw.length <= q.points) return { resolution: 'raw', step: null, points: rawPoints(raw) };
    }
    // Every bucket overlapping the range, whole, minus what the source's horizon hides.
    const from = Math.max(plan.from, visibleFrom(plan.source, horizons));
    const rows = await this.query<SampledRow>(sampledRangeSql(this.table, plan.step), [q.entity, tsParam(from), tsParam(plan.to + plan.step)]);
    return { resolution: plan.source, step: plan.step, points: sampledPoints(rows) };
  }

  async latest(): Promise<Reading[]> {
    await this.flush();
    const rows = await this.query<RawRow & { entity: number }>(latestSql(this.table));
    return rows.map((r) => ({ entity: Number(r.entity), ts: usToMs(r.ts_us), value: Number(r.value) }));
  }

  /** Computed from raw readings in time order; hours before the entity's 1-hour horizon are purged. */
  async hourlyIncrease(entity: number, from: number, to: number): Promise<HourlyIncrease[]> {
    await this.flush();
    await this.ensureTable();
    const span = hourSpan(Math.max(from, visibleFrom('1h', horizonsOf(this.horizons, entity))), to);
    if (!span) return [];
    const baseline = await this.query<{ value: number }>(counterBaselineSql(this.table), [
      entity,
      tsParam(Math.max(0, span.first - BASELINE_LOOKBACK_MS)),
      tsParam(span.first),
    ]);
    const increases = new CounterIncreases(baseline[0] === undefined ? undefined : Number(baseline[0].value));
    const end = span.last + ROLLUP_MS['1h'];
    for (let start = span.first; start < end; start += COUNTER_CHUNK_MS) {
      const rows = await this.query<RawRow>(counterRowsSql(this.table), [entity, tsParam(start), tsParam(Math.min(end, start + COUNTER_CHUNK_MS))]);
      for (const r of rows) increases.add(usToMs(r.ts_us), Number(r.value));
    }
    return increases.result();
  }

  /**
   * Hides what the policy purges at once (per-entity horizons) and frees whole
   * day partitions once no horizon needs them; see questdb-retention.ts.
   * Nothing here blocks ingest (QuestDB applies WAL commits and partition
   * drops on its side); longestPauseMs is the slowest statement's round trip.
   */
  async purge(policy: RetentionPolicy): Promise<PurgeResult> {
    await this.ensureTable();
    let longestPauseMs = 0;
    const timed = async <T>(work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        longestPauseMs = Math.max(longestPauseMs, performance.now() - started);
      }
    };
    const query = <R extends object>(sql: string, params?: unknown[]) => this.query<R & pg.QueryResultRow>(sql, params);
    const { deleted, horizons } = await purgeWithHorizons({ table: this.table, query, timed }, this.horizons, policy);
    this.horizons = horizons;
    await this.waitApplied(this.table);
    await this.waitApplied(`${this.table}_horizons`);
    return { deleted, longestPauseMs };
  }

  health(): StoreHealth {
    const error = this.writer.lastError ?? this.schemaError ?? this.walError;
    const dropped = this.writer.droppedTotal > 0 ? `; ${this.writer.droppedTotal} oldest readings dropped since start (queue full)` : '';
    return {
      backend: 'questdb',
      status: error ? 'error' : 'ok',
      pending: this.writer.queue.length,
      written: this.writer.written,
      ...(error ? { error: error + dropped } : {}),
    };
  }

  /** Tries to write what is queued for at most closeTimeoutMs, then lets go of the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const deadline = Date.now() + this.options.closeTimeoutMs;
    const written = await within(this.writer.drain(), this.options.closeTimeoutMs, false);
    if (!written && this.writer.queue.length > 0) {
      const reason = this.writer.lastError ?? `no answer within ${this.options.closeTimeoutMs} ms`;
      this.log.warn(`closing QuestDB with ${this.writer.queue.length} readings not written: ${reason}`);
    }
    // pool.end() waits for connections in use; one stuck on a dead host must not hold up shutdown.
    await within(this.pool.end(), deadline - Date.now(), undefined);
  }

  private async write(batch: Reading[]): Promise<void> {
    const rows = dedupeBatch(batch);
    try {
      await this.ensureTable();
      for (let i = 0; i < rows.length; i += INSERT_ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + INSERT_ROWS_PER_STATEMENT);
        await this.pool.query(insertSql(this.table, chunk.length), insertParams(chunk));
      }
      this.unapplied = true;
    } catch (error) {
      // The table may be gone (dropped by hand, or a server wiped): create it again on the retry.
      this.tableReady = false;
      throw error;
    }
  }

  private ensureTable(): Promise<void> {
    if (this.tableReady) return Promise.resolve();
    this.creating ??= this.createTables()
      .then(
        () => {
          this.tableReady = true;
          this.schemaError = undefined;
        },
        (error: unknown) => {
          this.schemaError = describeError(error);
          throw error;
        },
      )
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }

  private async createTables(): Promise<void> {
    await this.pool.query(createTableSql(this.table));
    await this.pool.query(createHorizonsSql(this.table));
    const rows = (await this.pool.query<{ entity: number; raw_before: string; minute_before: string; hour_before: string }>(selectHorizonsSql(this.table))).rows;
    this.horizons = new Map(rows.map((r) => [Number(r.entity), { raw: Number(r.raw_before), '1m': Number(r.minute_before), '1h': Number(r.hour_before) }]));
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    await this.ensureTable();
    return (await this.pool.query<R>(sql, params)).rows;
  }

  /** See waitForWal; a suspended WAL shows in health() until a later check finds it running. */
  private async waitApplied(table: string): Promise<void> {
    if (table === this.table) this.unapplied = false;
    const status = await waitForWal((sql) => this.query(sql), table, this.options.applyTimeoutMs, this.log);
    if (!status) return;
    const error = status.suspended ? `QuestDB suspended the WAL of table ${table}; see its log, then ALTER TABLE ${table} RESUME WAL` : undefined;
    if (error && error !== this.walError) this.log.error(error);
    this.walError = error;
  }
}
