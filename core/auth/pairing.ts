import type { Kysely } from 'kysely';
import type { RegistryTables } from '../db/tables.ts';
import { generatePassword, hashSecret, verifySecret } from './secrets.ts';

export const MAX_PAIRING_MINUTES = 60;

/**
 * The pairing window ("permit join", as in Zigbee): while it is open, a new
 * device may log in with the pairing key instead of its own password, announce
 * itself and receive its own account. Kept in the database so `hearth pair`
 * opens it for a hub that is already running.
 */
export class PairingWindow {
  constructor(private readonly db: Kysely<RegistryTables>) {}

  /** Opens (or reopens, with a new key) the window; the key is returned once. */
  async open(minutes: number): Promise<{ key: string; until: number }> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PAIRING_MINUTES) {
      throw new Error(`minutes: expected an integer from 1 to ${MAX_PAIRING_MINUTES}, got ${minutes}`);
    }
    const key = generatePassword();
    const until = Date.now() + minutes * 60_000;
    const row = { id: 1, key_hash: await hashSecret(key), until };
    await this.db.insertInto('pairing').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
    return { key, until };
  }

  async close(): Promise<void> {
    await this.db.deleteFrom('pairing').execute();
  }

  /** When the window closes, or null when it is shut. */
  async openUntil(): Promise<number | null> {
    const row = await this.db.selectFrom('pairing').select('until').executeTakeFirst();
    return row && row.until > Date.now() ? row.until : null;
  }

  async accepts(key: string): Promise<boolean> {
    const row = await this.db.selectFrom('pairing').selectAll().executeTakeFirst();
    return row !== undefined && row.until > Date.now() && verifySecret(key, row.key_hash);
  }
}
