import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RegistryTables } from '../db/tables.ts';
import { fieldProblems } from './user-fields.ts';
import { USER_COLUMNS, UserError, userFromRow, type User } from './users.ts';

/** Tells a Hearth API token apart at a glance (and for secret scanners) from a JWT or a password. */
export const API_TOKEN_PREFIX = 'hth_';

export const tokenNameSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$',
  description: '1-64 letters, digits, spaces, ".", "_" or "-"; unique per user',
} as const;

export interface TokenInfo {
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/**
 * A token is 256 random bits, so a plain SHA-256 of it cannot be reversed or
 * guessed: unlike a password it needs no slow hash, and the lookup by hash
 * costs one index probe per request.
 */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Long-lived API tokens, named per user, for scripts and dashboards. Only
 * hashes are stored; every request looks its token up in the database, so a
 * revocation (also by `hearth token revoke` in another process) counts on the
 * very next request. When a token was last used is noted in memory and
 * written in batches (`flushLastUsed`), not once per request.
 */
export class ApiTokens {
  private readonly lastUsed = new Map<number, number>();

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new token for the user; returned this once. */
  async create(userId: number, name: string): Promise<{ token: string; info: TokenInfo }> {
    const problems = fieldProblems(tokenNameSchema, name, ['name']);
    if (problems.length > 0) throw new UserError('invalid', problems.join('; '));
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = { user_id: userId, name, token_hash: digest(token), created_at: this.clock(), last_used_at: null };
    try {
      await this.db.insertInto('api_tokens').values(row).execute();
    } catch (error) {
      if (String(error).includes('UNIQUE constraint failed')) throw new UserError('exists', `a token named "${name}" exists; revoke it first or choose another name`);
      throw error;
    }
    return { token, info: { name, created_at: row.created_at, last_used_at: null } };
  }

  async list(userId: number): Promise<TokenInfo[]> {
    const rows = await this.db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'last_used_at']).where('user_id', '=', userId).orderBy('name').execute();
    return rows.map(({ id, ...info }) => ({ ...info, last_used_at: this.lastUsed.get(id) ?? info.last_used_at }));
  }

  /** False when the user has no token of that name. */
  async revoke(userId: number, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The token's owner (with their current role), or undefined for an unknown or revoked token. */
  async userOf(token: string): Promise<{ user: User; tokenId: number } | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['api_tokens.id as token_id', ...USER_COLUMNS])
      .where('api_tokens.token_hash', '=', digest(token))
      .executeTakeFirst();
    if (!row) return undefined;
    const { token_id: tokenId, ...user } = row;
    this.lastUsed.set(tokenId, this.clock());
    return { user: userFromRow(user), tokenId };
  }

  /** Writes the pending last-used times in one transaction. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const pending = [...this.lastUsed];
    this.lastUsed.clear();
    await this.db.transaction().execute(async (trx) => {
      for (const [id, at] of pending) await trx.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    });
  }
}
