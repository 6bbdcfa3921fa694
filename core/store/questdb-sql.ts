/**
 * Every statement the QuestDB backend sends, each with the QuestDB page it
 * relies on. QuestDB speaks the PostgreSQL wire protocol but not its dialect:
 * no row DELETE, WAL commits applied asynchronously, timestamps in
 * microseconds. Every statement runs on its own (autocommit). Table names are checked here and written into the text
 * (identifiers cannot be bind variables); every value is a bind variable,
 * except a partition drop's day literal and a purge count's excluded entities,
 * both formatted from checked numbers.
 */

/** Bind variables per multi-row INSERT: 3 a row, far below the protocol's 32767. */
export const INSERT_ROWS_PER_STATEMENT = 1000;

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,63}$/;

export function checkTableName(table: string): string {
  if (!TABLE_NAME.test(table)) throw new Error(`QuestDB table name "${table}" must match ${TABLE_NAME}`);
  return table;
}

/**
 * Timestamps go over the wire as ISO-8601 UTC text bound to a TIMESTAMP
 * position, the form QuestDB's own Node.js pg example sends
 * (https://questdb.com/docs/query/pgwire/overview/#insert-examples); a JS Date
 * would be serialised in the process's local time zone
 * (https://questdb.com/docs/query/pgwire/overview/#timestamp-handling).
 */
export function tsParam(ms: number): string {
  return new Date(ms).toISOString();
}

/** Readings QuestDB can store: one bad row would fail its whole multi-row INSERT on every retry. */
export function isStorable(r: { entity: number; ts: number; value: number }): boolean {
  return (
    // Registry keys are never negative; -1 is the horizons table's row for all other entities.
    Number.isInteger(r.entity) && r.entity >= 0 && r.entity <= 2_147_483_647 &&
    // DOUBLE's NaN and ±Infinity are its NULLs
    // (https://questdb.com/docs/query/datatypes/overview/#type-nullability); a designated
    // timestamp before 1970 is refused ("timestamp before 1970-01-01 is not allowed",
    // https://github.com/questdb/questdb/issues/4075), and toISOString() leaves the 4-digit year after 9999.
    Number.isInteger(r.ts) && r.ts >= 0 && r.ts < 253_402_300_800_000 &&
    Number.isFinite(r.value)
  );
}

/**
 * The raw table. entity is an INT, not a SYMBOL: it already is the registry's
 * compact integer key, so there is no dictionary to size or string to convert;
 * the price is that only SYMBOL columns can be indexed
 * (https://questdb.com/docs/concepts/deep-dive/indexes/), so a query reads every
 * row of its time range through QuestDB's compiled filter, after partition pruning.
 * TIMESTAMP(ts) makes ts the designated timestamp that SAMPLE BY, interval scans
 * and partitions need (https://questdb.com/docs/concepts/designated-timestamp/);
 * WAL is required for DEDUP; DEDUP UPSERT KEYS(ts, entity) makes a repeated
 * (ts, entity) replace the earlier row, as SQLite's INSERT OR REPLACE does, and
 * makes re-sending a batch after a lost acknowledgement harmless.
 * https://questdb.com/docs/query/sql/create-table/
 * https://questdb.com/docs/concepts/deduplication/
 * https://questdb.com/docs/concepts/write-ahead-log/
 */
export function createTableSql(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${checkTableName(table)} (entity INT, value DOUBLE, ts TIMESTAMP) ` +
    'TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, entity)'
  );
}

/**
 * One multi-row INSERT ... VALUES with bind variables
 * (https://questdb.com/docs/query/sql/insert/, "Bulk inserts"; bind variables in
 * INSERT: https://questdb.com/docs/query/pgwire/overview/#supported-features).
 * Each statement is committed on its own (pg's autocommit; no BEGIN/COMMIT is
 * relied on), so a batch that fails midway is simply sent again: DEDUP makes
 * the rows that did land idempotent.
 */
export function insertSql(table: string, rows: number): string {
  const tuples: string[] = [];
  for (let i = 0; i < rows; i++) tuples.push(`($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`);
  return `INSERT INTO ${checkTableName(table)} (entity, value, ts) VALUES ${tuples.join(', ')}`;
}

/**
 * One row per (entity, ts), the last one, as DEDUP UPSERT KEYS would keep; done
 * here too because the dedup page documents replacing rows already stored,
 * not duplicates inside one INSERT.
 */
export function dedupeBatch<R extends { entity: number; ts: number }>(rows: readonly R[]): R[] {
  const byKey = new Map<string, R>();
  for (const r of rows) byKey.set(`${r.entity}:${r.ts}`, r);
  return byKey.size === rows.length ? [...rows] : [...byKey.values()];
}

export function insertParams(rows: ReadonlyArray<{ entity: number; ts: number; value: number }>): Array<number | string> {
  const params: Array<number | string> = [];
  for (const r of rows) params.push(r.entity, r.value, tsParam(r.ts));
  return params;
}

/**
 * Raw readings of one entity in [from, to], at most `limit` ($4).
 * cast(ts AS long) returns the microseconds since the epoch
 * (https://questdb.com/docs/query/sql/cast/), so no timestamp text is parsed in
 * a time zone on the way back; pg hands int8 over as a string.
 * ORDER BY the designated timestamp is its storage order; LIMIT with a bind
 * variable as in https://questdb.com/docs/query/pgwire/nodejs/#prepared-statements
 */
export function rawRangeSql(table: string): string {
  return (
    `SELECT cast(ts AS long) AS ts_us, value FROM ${checkTableName(table)} ` +
    'WHERE entity = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts LIMIT $4'
  );
}

/** Each entity's newest reading by time (https://questdb.com/docs/query/sql/latest-on/: INT is a valid PARTITION BY column). */
export function latestSql(table: string): string {
  return `SELECT entity, cast(ts AS long) AS ts_us, value FROM ${checkTableName(table)} LATEST ON ts PARTITION BY entity`;
}

/** SAMPLE BY stride text for a step of whole seconds: the largest unit that divides it. */
export function sampleStride(stepMs: number): string {
  if (!Number.isInteger(stepMs / 1000) || stepMs <= 0) throw new Error(`step ${stepMs} ms is not a whole number of seconds`);
  if (stepMs % 3_600_000 === 0) return `${stepMs / 3_600_000}h`;
  if (stepMs % 60_000 === 0) return `${stepMs / 60_000}m`;
  return `${stepMs / 1000}s`;
}

/**
 * Buckets of one entity at `stepMs` from the rows in [$2, $3), straight from
 * the raw table; the caller widens the range to whole buckets.
 * ALIGN TO CALENDAR floors sub-day strides from 1970-01-01 UTC, so each bucket
 * starts at a multiple of the step since the epoch, as the contract says; WITH
 * OFFSET '00:00' is the default, spelled out for servers before 7.4 that
 * required it (https://github.com/questdb/questdb/issues/1295). Empty buckets
 * are left out (no FILL). last() is the value with the latest designated
 * timestamp (https://questdb.com/docs/query/functions/aggregation/#last).
 * The SAMPLE BY sits in a subquery because it must keep ts itself as its key.
 * https://questdb.com/docs/query/sql/sample-by/
 */
export function sampledRangeSql(table: string, stepMs: number): string {
  return (
    'SELECT cast(ts AS long) AS ts_us, v_min, v_max, v_avg, v_count, v_last FROM (' +
    'SELECT ts, min(value) AS v_min, max(value) AS v_max, avg(value) AS v_avg, count() AS v_count, last(value) AS v_last ' +
    `FROM ${checkTableName(table)} WHERE entity = $1 AND ts >= $2 AND ts < $3 ` +
    `SAMPLE BY ${sampleStride(stepMs)} ALIGN TO CALENDAR WITH OFFSET '00:00')`
  );
}

/** Raw readings of one entity in [from, to) ($2, $3) for the increase pass; same casts as rawRangeSql. */
export function counterRowsSql(table: string): string {
  return (
    `SELECT cast(ts AS long) AS ts_us, value FROM ${checkTableName(table)} ` +
    'WHERE entity = $1 AND ts >= $2 AND ts < $3 ORDER BY ts'
  );
}

/**
 * The reading just before $3, no earlier than $2: the baseline of the first
 * hour's increase. The lower bound keeps the backward scan to a few partitions
 * for an entity that has no earlier reading at all.
 * https://questdb.com/docs/query/sql/order-by/ and https://questdb.com/docs/query/sql/limit/
 */
export function counterBaselineSql(table: string): string {
  return (
    `SELECT value FROM ${checkTableName(table)} ` +
    'WHERE entity = $1 AND ts >= $2 AND ts < $3 ORDER BY ts DESC LIMIT 1'
  );
}

/**
 * A UTC day boundary as a QuestDB timestamp literal, built from a number only
 * (DROP PARTITION takes an expression, not a bind variable, in its documented forms).
 * https://questdb.com/docs/query/functions/date-time/#to_timestamp
 */
export function dayLiteral(dayStartMs: number): string {
  if (dayStartMs % 86_400_000 !== 0) throw new Error(`${dayStartMs} is not a UTC day boundary`);
  return `to_timestamp('${new Date(dayStartMs).toISOString().slice(0, 10)}', 'yyyy-MM-dd')`;
}

/** Whether a partition drop before `dayStartMs` has anything to drop (a drop matching no partition is not needed). */
export function countBeforeSql(table: string, dayStartMs: number): string {
  return `SELECT count() AS n FROM ${checkTableName(table)} WHERE ts < ${dayLiteral(dayStartMs)}`;
}

/**
 * QuestDB has no row DELETE (https://questdb.com/docs/query/pgwire/overview/#unsupported-features);
 * retention drops whole partitions. The WHERE is tested against each
 * partition's start, so the cut-off must be a day boundary: a mid-day cut-off
 * would drop that whole day, rows after the cut-off included.
 * https://questdb.com/docs/query/sql/alter-table-drop-partition/
 */
export function dropPartitionsSql(table: string, dayStartMs: number): string {
  return `ALTER TABLE ${checkTableName(table)} DROP PARTITION WHERE ts < ${dayLiteral(dayStartMs)}`;
}

/**
 * A WAL table's commit is applied to the table asynchronously; rows are visible
 * to queries once writerTxn reaches sequencerTxn. suspended means the apply job
 * stopped on an error and needs ALTER TABLE ... RESUME WAL.
 * https://questdb.com/docs/query/functions/meta/#wal_tables
 * https://questdb.com/docs/cookbook/operations/check-transaction-applied/
 */
export function walStatusSql(table: string): string {
  return (
    'SELECT writerTxn AS writer_txn, sequencerTxn AS sequencer_txn, suspended FROM wal_tables() ' +
    `WHERE name = '${checkTableName(table)}'`
  );
}

/**
 * Per-entity purge horizons (see questdb-retention.ts), one row per entity
 * under DEDUP: every row has ts = 1970-01-01, so (ts, entity) is the entity and
 * writing a row replaces the entity's earlier one. LONG columns hold ms since
 * the epoch. https://questdb.com/docs/concepts/deduplication/
 */
export function createHorizonsSql(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${checkTableName(table)}_horizons ` +
    '(entity INT, raw_before LONG, minute_before LONG, hour_before LONG, ts TIMESTAMP) ' +
    'TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, entity)'
  );
}

export function selectHorizonsSql(table: string): string {
  return `SELECT entity, raw_before, minute_before, hour_before FROM ${checkTableName(table)}_horizons`;
}

/** $1..$5 per row: entity, raw_before, minute_before, hour_before, ts (always the epoch). https://questdb.com/docs/query/sql/insert/ */
export function insertHorizonsSql(table: string, rows: number): string {
  const tuples: string[] = [];
  for (let i = 0; i < rows; i++) tuples.push(`(${[1, 2, 3, 4, 5].map((k) => `$${5 * i + k}`).join(', ')})`);
  return `INSERT INTO ${checkTableName(table)}_horizons (entity, raw_before, minute_before, hour_before, ts) VALUES ${tuples.join(', ')}`;
}

/** One entity (a bind variable), or every entity but some (integer literals, checked). */
export type EntityFilter = { only: number } | { except: number[] };

/**
 * What a purge hides for a tier in [from, to): raw rows, or the 1-minute /
 * 1-hour buckets that have data, counted from a keyed SAMPLE BY (one row per
 * entity and bucket). https://questdb.com/docs/query/sql/sample-by/
 */
export function purgeCountSql(table: string, tier: 'raw' | '1m' | '1h', filter: EntityFilter, from: number, to: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [tsParam(from), tsParam(to)];
  let where = 'ts >= $1 AND ts < $2';
  if ('only' in filter) {
    params.push(filter.only);
    where += ' AND entity = $3';
  } else {
    for (const e of filter.except) {
      if (!Number.isInteger(e)) throw new Error(`entity ${e} is not an integer`);
      where += ` AND entity != ${e}`;
    }
  }
  const t = checkTableName(table);
  const sql =
    tier === 'raw'
      ? `SELECT count() AS n FROM ${t} WHERE ${where}`
      : `SELECT count() AS n FROM (SELECT ts, entity, count() AS c FROM ${t} WHERE ${where} ` +
        `SAMPLE BY 1${tier === '1m' ? 'm' : 'h'} ALIGN TO CALENDAR WITH OFFSET '00:00')`;
  return { sql, params };
}
