import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { DeviceAccounts } from '../auth/device-accounts.ts';
import { provisionDevice } from '../auth/provision.ts';
import { registryMigrations } from '../db/registry-migrations.ts';
import { kyselyOn, migrate, openSqlite } from '../db/sqlite.ts';
import type { RegistryTables } from '../db/tables.ts';
import { EventBus } from '../events/bus.ts';
import { DeviceRegistry } from '../registry/devices.ts';
import { RoomRegistry } from '../registry/rooms.ts';

export interface AccountStores {
  devices: DeviceRegistry;
  rooms: RoomRegistry;
  accounts: DeviceAccounts;
}

/** Hashing a password takes ~50 ms on libuv's four threads: four at a time keeps them all busy. */
const PARALLEL = 4;

/**
 * Gives each simulated device its MQTT account, as `hearth device add`
 * does; a device that already has one (an earlier run) gets a new password,
 * so re-running the simulator reuses its devices instead of failing.
 * Returns the passwords by device id.
 */
export async function provisionSims(stores: AccountStores, deviceIds: string[]): Promise<Map<string, string>> {
  const passwords = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < deviceIds.length) {
      const id = deviceIds[next++]!;
      passwords.set(id, (await provisionDevice(stores, { id })).password);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return passwords;
}

/** The same through the data dir, beside a running hub (WAL lets both write), for `hearth simulate`. */
export async function provisionSimsInDataDir(dataDir: string, deviceIds: string[]): Promise<Map<string, string>> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = openSqlite(join(dataDir, 'hearth.db'));
  try {
    const db = kyselyOn<RegistryTables>(sqlite);
    await migrate(db, registryMigrations);
    const devices = new DeviceRegistry(db, new EventBus(pino({ level: 'silent' })));
    const rooms = new RoomRegistry(db);
    await devices.load();
    await rooms.load();
    return await provisionSims({ devices, rooms, accounts: new DeviceAccounts(db) }, deviceIds);
  } finally {
    sqlite.close();
  }
}

/** Credentials for the simulator from provisioned passwords: each device logs in as itself. */
export function accountsOf(passwords: Map<string, string>): (clientId: string) => { username: string; password: string } | undefined {
  return (clientId) => {
    const password = passwords.get(clientId);
    return password === undefined ? undefined : { username: clientId, password };
  };
}
