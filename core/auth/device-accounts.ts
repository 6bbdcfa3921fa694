import type { Kysely } from 'kysely';
import type { RegistryTables } from '../db/tables.ts';
import { generatePassword, hashSecret, verifySecret } from './secrets.ts';

/**
 * MQTT accounts of provisioned devices, read from the database on every
 * check, so an account made or revoked by `hearth device add` in another
 * process counts at once.
 */
export class DeviceAccounts {
  constructor(private readonly db: Kysely<RegistryTables>) {}

  /** A new random password for the device (replacing any old one); returned once, only its hash is kept. */
  async issue(deviceId: string): Promise<string> {
    const password = generatePassword();
    const row = { device_id: deviceId, password_hash: await hashSecret(password), created_at: Date.now() };
    await this.db
      .insertInto('device_credentials')
      .values(row)
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ password_hash: row.password_hash, created_at: row.created_at }))
      .execute();
    return password;
  }

  async verify(deviceId: string, password: string): Promise<boolean> {
    const row = await this.db.selectFrom('device_credentials').select('password_hash').where('device_id', '=', deviceId).executeTakeFirst();
    return row ? verifySecret(password, row.password_hash) : false;
  }

  async exists(deviceId: string): Promise<boolean> {
    return (await this.db.selectFrom('device_credentials').select('device_id').where('device_id', '=', deviceId).executeTakeFirst()) !== undefined;
  }

  async revoke(deviceId: string): Promise<void> {
    await this.db.deleteFrom('device_credentials').where('device_id', '=', deviceId).execute();
  }
}
