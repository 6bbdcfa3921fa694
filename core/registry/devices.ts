import { sql, type Kysely, type Selectable } from 'kysely';
import type { EventBus } from '../events/bus.ts';
import type { DevicesTable, RegistryTables } from '../db/tables.ts';

/** A device as the hub uses it: the row, with identifiers parsed and `online` as true/false/null (never heard of). */
export type Device = Omit<Selectable<DevicesTable>, 'identifiers' | 'online'> & {
  identifiers: Record<string, string>;
  online: boolean | null;
};

export interface DeviceInput {
  id: string;
  name?: string;
  manufacturer?: string | null;
  model?: string | null;
  sw_version?: string | null;
  identifiers?: Record<string, string>;
  via_device_id?: string | null;
  /** ms of silence after which the device counts as offline */
  offline_after?: number | null;
}

/** Device ids become MQTT topic levels and URL segments, so they are kept to a safe alphabet. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export class DeviceOwnershipError extends Error {}

/**
 * The devices the hub knows. Reads come from memory (the whole registry of a
 * home fits easily); writes go through to SQLite. `last_seen` changes on every
 * message, so it is kept in memory and written by `flushLastSeen()` in batches.
 */
export class DeviceRegistry {
  private readonly devices = new Map<string, Device>();
  private readonly lastSeenDirty = new Set<string>();

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly bus: EventBus,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.selectFrom('devices').selectAll().execute();
    for (const row of rows) this.devices.set(row.id, fromRow(row));
  }

  get(id: string): Device | undefined {
    return this.devices.get(id);
  }

  /** Every device, unsorted: for periodic scans, which need no order. */
  all(): IterableIterator<Device> {
    return this.devices.values();
  }

  list(): Device[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Creates or updates a device owned by `plugin`; a device of another plugin is never taken over. */
  async upsert(plugin: string, input: DeviceInput, now = Date.now()): Promise<{ device: Device; created: boolean }> {
    if (!DEVICE_ID_PATTERN.test(input.id)) {
      throw new Error(`invalid device id "${input.id}": use 1-64 letters, digits, "_" or "-"`);
    }
    // A device made by `hearth device add` in another process is in the database, not yet in memory.
    const existing = this.devices.get(input.id) ?? (await this.loadOne(input.id));
    if (existing && existing.plugin !== plugin) {
      throw new DeviceOwnershipError(`device id "${input.id}" already belongs to plugin "${existing.plugin}"`);
    }
    const device: Device = {
      id: input.id,
      name: existing?.name_by_user ?? input.name ?? existing?.name ?? input.id,
      name_by_user: existing?.name_by_user ?? null,
      manufacturer: pick(input.manufacturer, existing?.manufacturer),
      model: pick(input.model, existing?.model),
      sw_version: pick(input.sw_version, existing?.sw_version),
      room_id: existing?.room_id ?? null,
      plugin,
      identifiers: input.identifiers ?? existing?.identifiers ?? {},
      via_device_id: pick(input.via_device_id, existing?.via_device_id),
      online: existing?.online ?? null,
      last_seen: existing?.last_seen ?? null,
      offline_after: pick(input.offline_after, existing?.offline_after),
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    const row = toRow(device);
    await this.db
      .insertInto('devices')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, created_at: undefined, room_id: undefined }))
      .execute();
    this.devices.set(device.id, device);
    if (!existing) this.bus.emit('device_registered', { device_id: device.id });
    return { device, created: !existing };
  }

  /** Records availability; emits device_online/device_offline only on a real change. */
  async setOnline(id: string, online: boolean, at = Date.now()): Promise<void> {
    const device = this.devices.get(id);
    if (!device) return;
    if (online) this.touch(id, at);
    if (device.online === online) return;
    device.online = online;
    await this.db.updateTable('devices').set({ online: online ? 1 : 0 }).where('id', '=', id).execute();
    this.bus.emit(online ? 'device_online' : 'device_offline', { device_id: id });
  }

  /** Deletes the device; its entities, states and MQTT account go with it (foreign keys cascade). */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('devices').where('id', '=', id).execute();
    this.devices.delete(id);
    this.lastSeenDirty.delete(id);
    this.bus.emit('device_removed', { device_id: id });
  }

  private async loadOne(id: string): Promise<Device | undefined> {
    const row = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const device = fromRow(row);
    this.devices.set(id, device);
    return device;
  }

  async setRoom(id: string, roomId: string | null): Promise<void> {
    const device = this.devices.get(id);
    if (!device || device.room_id === roomId) return;
    device.room_id = roomId;
    await this.db.updateTable('devices').set({ room_id: roomId }).where('id', '=', id).execute();
  }

  /** A name given by a person: it stays when the device announces another one. */
  async rename(id: string, name: string): Promise<void> {
    const device = this.devices.get(id);
    if (!device) return;
    Object.assign(device, { name, name_by_user: name, updated_at: Date.now() });
    await this.db.updateTable('devices').set({ name, name_by_user: name, updated_at: device.updated_at }).where('id', '=', id).execute();
  }

  touch(id: string, at = Date.now()): void {
    const device = this.devices.get(id);
    if (!device || (device.last_seen ?? 0) >= at) return;
    device.last_seen = at;
    this.lastSeenDirty.add(id);
  }

  async flushLastSeen(): Promise<void> {
    if (this.lastSeenDirty.size === 0) return;
    const ids = [...this.lastSeenDirty];
    this.lastSeenDirty.clear();
    // UPDATE … FROM (VALUES …): one statement per 500 devices instead of one each.
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < ids.length; i += 500) {
        const values = ids.slice(i, i + 500).map((id) => sql`(${id}, ${this.devices.get(id)?.last_seen ?? null})`);
        await sql`UPDATE devices SET last_seen = v.column2 FROM (VALUES ${sql.join(values)}) AS v WHERE devices.id = v.column1`.execute(tx);
      }
    });
  }
}

function pick<T>(given: T | undefined, existing: T | undefined): T | null {
  return given !== undefined ? given : (existing ?? null);
}

function fromRow(row: Selectable<DevicesTable>): Device {
  return {
    ...row,
    identifiers: JSON.parse(row.identifiers) as Record<string, string>,
    online: row.online === null ? null : row.online === 1,
  };
}

function toRow(device: Device): DevicesTable {
  return {
    ...device,
    identifiers: JSON.stringify(device.identifiers),
    online: device.online === null ? null : device.online ? 1 : 0,
  };
}
