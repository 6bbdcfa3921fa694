import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Kysely } from 'kysely';
import { DeviceAccounts } from './auth/device-accounts.ts';
import { PairingWindow } from './auth/pairing.ts';
import { DEVICE_KINDS, lanAddress, secretsFile, type DeviceKind } from './auth/device-snippets.ts';
import { provisionDevice, type AccountStores } from './auth/provision.ts';
import type { LoadedConfig } from './config/load-config.ts';
import { registryMigrations } from './db/registry-migrations.ts';
import { kyselyOn, migrate, openSqlite } from './db/sqlite.ts';
import type { RegistryTables } from './db/tables.ts';
import { EventBus } from './events/bus.ts';
import { DeviceRegistry } from './registry/devices.ts';
import { RoomRegistry } from './registry/rooms.ts';

export interface DeviceAddOptions {
  id: string;
  name?: string;
  room?: string;
  kind?: string;
}

/** Opens the registry database in the data dir (migrated), for commands that work beside a running hub. */
export async function withRegistry<T>(config: LoadedConfig, work: (db: Kysely<RegistryTables>) => Promise<T>): Promise<T> {
  const dataDir = config.config.storage.data_dir;
  mkdirSync(dataDir, { recursive: true });
  const sqlite = openSqlite(join(dataDir, 'hearth.db'));
  try {
    const db = kyselyOn<RegistryTables>(sqlite);
    await migrate(db, registryMigrations);
    return await work(db);
  } finally {
    sqlite.close();
  }
}

/** withRegistry with the device and room registries loaded and the device accounts at hand: what provisioning needs. */
export async function withAccountStores<T>(config: LoadedConfig, work: (stores: AccountStores) => Promise<T>): Promise<T> {
  return withRegistry(config, async (db) => {
    const devices = new DeviceRegistry(db, new EventBus(pino({ level: 'silent' })));
    const rooms = new RoomRegistry(db);
    await devices.load();
    await rooms.load();
    return work({ devices, rooms, accounts: new DeviceAccounts(db) });
  });
}

/**
 * `hearth device add`: works on the data dir directly (WAL lets it run while
 * the hub does), creates the device and its MQTT account, and prints the
 * password once with the firmware's secrets file.
 */
export async function deviceAdd(config: LoadedConfig, options: DeviceAddOptions): Promise<void> {
  const kind = (options.kind ?? 'generic') as DeviceKind;
  if (!DEVICE_KINDS.includes(kind)) throw new Error(`--kind: expected one of ${DEVICE_KINDS.join(', ')}, got "${options.kind}"`);
  await withAccountStores(config, async (stores) => {
    if (stores.devices.get(options.id)) throw new Error(`device "${options.id}" exists; rotate its password with POST /api/devices/${options.id}/credentials`);
    const { device, password } = await provisionDevice(stores, { id: options.id, ...(options.name ? { name: options.name } : {}), ...(options.room ? { room: options.room } : {}) });
    const host = lanAddress();
    const port = config.config.mqtt.port;
    console.log(`device ${device.id} created${device.room_id ? ` in room ${device.room_id}` : ''}. Its MQTT account (the password is shown only now):`);
    console.log(`  host:     ${host}:${port}`);
    console.log(`  username: ${device.id}`);
    console.log(`  password: ${password}`);
    const file = secretsFile(kind, { deviceId: device.id, password, host, port });
    if (file) console.log(`\n--- ${file.name} (copy it to the device) ---\n${file.content}`);
    else console.log(`\ntry it: mosquitto_pub -h ${host} -p ${port} -u ${device.id} -P '${password}' -t hearth/${device.id}/telemetry -m '{"temperature": 21.5}'`);
  });
}

/** `hearth pair --minutes N`: opens the pairing window of the hub using this data dir and prints its key. */
export async function pair(config: LoadedConfig, minutes: number): Promise<void> {
  await withRegistry(config, async (db) => {
    const { key, until } = await new PairingWindow(db).open(minutes);
    console.log(`pairing window open until ${new Date(until).toLocaleTimeString()} (${minutes} min)`);
    console.log(`  pairing key: ${key}`);
    console.log('A new device logs in with its id as username and this key as password, subscribes to');
    console.log('hearth/<id>/credentials and announces itself; its own account arrives on that topic.');
  });
}
