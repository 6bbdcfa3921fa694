import pg from 'pg';
import type { Logger } from 'pino';
import { describeError } from './questdb-history.ts';
import { walStatusSql } from './questdb-sql.ts';

/** The URL for logs, without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Settles with the promise, or with `fallback` after `ms`, whichever comes first. */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), Math.max(0, ms))));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A pool for QuestDB's PGWire: few connections (the writer uses one at a
 * time), bounded connect and statement waits, and idle connections that do
 * not keep the process alive. https://questdb.com/docs/query/pgwire/nodejs/
 */
export function openPool(url: string, log: Logger, connectTimeoutMs: number, queryTimeoutMs: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    allowExitOnIdle: true,
  });
  // An idle connection that drops emits here; without a listener that would crash the hub.
  pool.on('error', (error) => log.warn(`QuestDB connection lost: ${describeError(error)}`));
  return pool;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Query = <R extends pg.QueryResultRow>(sql: string) => Promise<R[]>;

/**
 * Waits until QuestDB has applied the WAL transactions committed so far (see
 * walStatusSql), so a read after a write sees it; gives up after `timeoutMs`
 * with a warning. Returns whether the table's WAL is suspended, or undefined
 * when the status could not be read.
 */
export async function waitForWal(query: Query, table: string, timeoutMs: number, log: Logger): Promise<{ suspended: boolean } | undefined> {
  const deadline = Date.now() + timeoutMs;
  let target: number | undefined;
  try {
    for (;;) {
      const [wal] = await query<{ writer_txn: string; sequencer_txn: string; suspended: boolean }>(walStatusSql(table));
      if (!wal) return { suspended: false };
      if (wal.suspended) return { suspended: true };
      // Waits for what was committed before the first look, not for later writes as well.
      target ??= Number(wal.sequencer_txn);
      if (Number(wal.writer_txn) >= target) return { suspended: false };
      if (Date.now() >= deadline) {
        log.warn(`QuestDB has not applied written rows within ${timeoutMs} ms; reads may miss them`);
        return { suspended: false };
      }
      await sleep(20);
    }
  } catch (error) {
    log.warn(`checking QuestDB's WAL failed: ${describeError(error)}`);
    return undefined;
  }
}
