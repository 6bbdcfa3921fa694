import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';

export type SqliteHandle = Database.Database;

/**
 * Opens a SQLite file tuned for a hub: WAL so readers never block the writer,
 * synchronous=NORMAL (durable across process crashes, which is what WAL
 * guarantees at that level), and a busy timeout so the CLI can work on the
 * data dir while the hub runs.
 */
export function openSqlite(file: string): SqliteHandle {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

export function kyselyOn<Tables>(sqlite: SqliteHandle): Kysely<Tables> {
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** Runs every migration not yet applied, in name order; throws with the failing migration's name. */
export async function migrate(db: Kysely<any>, migrations: Record<string, Migration>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
