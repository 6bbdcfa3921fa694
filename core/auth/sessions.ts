import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RegistryTables } from '../db/tables.ts';
import { USER_COLUMNS, userFromRow, type User } from './users.ts';

/**
 * Logins. Each has a row, named by the `sid` claim of its JWT, checked on
 * every request: logout deletes it, and a change of password or role or the
 * user's removal deletes all of the user's (see Users), so a signed JWT stops
 * working at once although it has not expired.
 */
export class Sessions {
  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(userId: number, lifetimeMs: number): Promise<{ id: string; expiresAt: number }> {
    const now = this.clock();
    // Whole seconds, as the JWT's exp claim says it: the session and its token end together.
    const expiresAt = Math.floor((now + lifetimeMs) / 1000) * 1000;
    const session = { id: randomBytes(16).toString('base64url'), user_id: userId, created_at: now, expires_at: expiresAt };
    // Expired rows are only dead weight; a login is rare enough to sweep them.
    await this.db.deleteFrom('user_sessions').where('expires_at', '<=', now).execute();
    await this.db.insertInto('user_sessions').values(session).execute();
    return { id: session.id, expiresAt: session.expires_at };
  }

  /** The user of a live session; undefined when it ended, expired or belongs to someone else. */
  async userOf(sessionId: string, userId: number): Promise<User | undefined> {
    const row = await this.db
      .selectFrom('user_sessions')
      .innerJoin('users', 'users.id', 'user_sessions.user_id')
      .select(USER_COLUMNS)
      .where('user_sessions.id', '=', sessionId)
      .where('user_sessions.user_id', '=', userId)
      .where('user_sessions.expires_at', '>', this.clock())
      .executeTakeFirst();
    return row && userFromRow(row);
  }

  async end(sessionId: string): Promise<void> {
    await this.db.deleteFrom('user_sessions').where('id', '=', sessionId).execute();
  }
}
