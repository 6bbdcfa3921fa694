/** Shared helpers for the unit tests: a captured pino logger and real SQLite registry files in temp folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { kyselyOn, migrate, openSqlite, type SqliteHandle } from '../../core/db/sqlite.ts';
import { registryMigrations } from '../../core/db/registry-migrations.ts';
import type { RegistryTables } from '../../core/db/tables.ts';
import { EventBus } from '../../core/events/bus.ts';
import type { HubEvents } from '../../core/events/hub-events.ts';

export interface LogLine {
  level: number;
  msg: string;
  owner?: string;
  event?: string;
  err?: { message?: string; type?: string };
  [key: string]: unknown;
}

/** A debug-level pino logger whose JSON lines land in `lines`. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')) as LogLine);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** An EventBus on a captured logger, plus every hub event it carried, in order. */
export function recordingBus(): {
  bus: EventBus;
  lines: LogLine[];
  events: Array<{ event: keyof HubEvents; payload: unknown }>;
} {
  const { log, lines } = captureLog();
  const bus = new EventBus(log);
  const events: Array<{ event: keyof HubEvents; payload: unknown }> = [];
  const names: Array<keyof HubEvents> = ['state_changed', 'device_registered', 'device_online', 'device_offline', 'entity_registered'];
  for (const event of names) bus.on(event, (payload) => void events.push({ event, payload }), 'test');
  return { bus, lines, events };
}

const dirs: string[] = [];
const handles: SqliteHandle[] = [];

/** A new empty temp folder, removed by `cleanup()`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-unit-'));
  dirs.push(dir);
  return dir;
}

/** A fresh registry database file path in a new temp folder. */
export function tempDbFile(): string {
  return join(tempDir(), 'hearth.db');
}

/** Opens (creating if needed) and migrates the registry database at `file`, as the hub does. */
export async function openRegistry(file: string): Promise<{ sqlite: SqliteHandle; db: Kysely<RegistryTables> }> {
  const sqlite = openSqlite(file);
  handles.push(sqlite);
  const db = kyselyOn<RegistryTables>(sqlite);
  await migrate(db, registryMigrations);
  return { sqlite, db };
}

/** Closes a handle early (e.g. before reopening the same file). */
export function closeHandle(sqlite: SqliteHandle): void {
  if (sqlite.open) sqlite.close();
}

/** For afterEach: closes every database opened here and removes the temp folders. */
export function cleanup(): void {
  for (const sqlite of handles.splice(0)) closeHandle(sqlite);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs `fn` and returns what it threw; fails when it throws nothing. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, but nothing was thrown');
}
