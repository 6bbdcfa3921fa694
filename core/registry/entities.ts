import type { Kysely, Selectable } from 'kysely';
import type { EventBus } from '../events/bus.ts';
import type { EntitiesTable, RegistryTables } from '../db/tables.ts';
import { firstFree, slugify } from './slug.ts';

/**
 * An entity as the hub uses it: the row, with `hidden` as a boolean. `id` is
 * the compact integer key used by the time-series store; `entity_id` the
 * readable id (`<kind>.<device>_<key>`), generated once.
 */
export type Entity = Omit<Selectable<EntitiesTable>, 'hidden'> & { hidden: boolean };

export interface EntityInput {
  /** Stable within the plugin; with the plugin it is the entity's identity, so renames never break history. */
  unique_id: string;
  device_id: string | null;
  /** The device-local name of the value, e.g. `distance` in a telemetry payload. */
  key: string;
  kind: string;
  name?: string;
  unit?: string | null;
  device_class?: string | null;
  state_class?: string | null;
}

export const ENTITY_KIND_PATTERN = /^[a-z][a-z_]*$/;

export class EntityRegistry {
  private readonly byEntityId = new Map<string, Entity>();
  private readonly byIdentity = new Map<string, Entity>();
  /** device id → key → entity (nested, so the per-message lookup builds no key string) */
  private readonly byDeviceAndKey = new Map<string, Map<string, Entity>>();

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly bus: EventBus,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db.selectFrom('entities').selectAll().execute();
    for (const row of rows) this.index(fromRow(row));
  }

  get(entityId: string): Entity | undefined {
    return this.byEntityId.get(entityId);
  }

  byUniqueId(plugin: string, uniqueId: string): Entity | undefined {
    return this.byIdentity.get(identity(plugin, uniqueId));
  }

  /** The entity a device reports under `key` (e.g. a telemetry field). */
  byDeviceKey(deviceId: string, key: string): Entity | undefined {
    return this.byDeviceAndKey.get(deviceId)?.get(key);
  }

  list(): Entity[] {
    return [...this.byEntityId.values()].sort((a, b) => a.entity_id.localeCompare(b.entity_id));
  }

  forDevice(deviceId: string): Entity[] {
    return this.list().filter((e) => e.device_id === deviceId);
  }

  /**
   * Creates the entity on first sight (generating its readable id) or updates
   * its metadata; the entity id itself never changes once given.
   */
  async upsert(plugin: string, input: EntityInput, now = Date.now()): Promise<{ entity: Entity; created: boolean }> {
    if (!ENTITY_KIND_PATTERN.test(input.kind)) throw new Error(`invalid entity kind "${input.kind}"`);
    const existing = this.byUniqueId(plugin, input.unique_id);
    if (input.device_id) {
      // One entity per device-local key, or telemetry for that key would have two owners.
      const holder = this.byDeviceKey(input.device_id, input.key);
      if (holder && holder !== existing) {
        throw new Error(`device "${input.device_id}" already has entity ${holder.entity_id} for key "${input.key}"`);
      }
    }
    const entity: Entity = {
      id: existing?.id ?? 0,
      entity_id: existing?.entity_id ?? this.newEntityId(input),
      plugin,
      unique_id: input.unique_id,
      device_id: input.device_id,
      key: input.key,
      kind: input.kind,
      name: existing?.name_by_user ?? input.name ?? existing?.name ?? input.key,
      name_by_user: existing?.name_by_user ?? null,
      unit: input.unit ?? null,
      device_class: input.device_class ?? null,
      state_class: input.state_class ?? null,
      hidden: existing?.hidden ?? false,
      created_at: existing?.created_at ?? now,
    };
    if (existing && sameMetadata(existing, entity)) return { entity: existing, created: false };
    const { id: _id, ...row } = toRow(entity);
    if (existing) {
      await this.db.updateTable('entities').set(row).where('id', '=', existing.id).execute();
      this.unindex(existing);
    } else {
      const inserted = await this.db.insertInto('entities').values(row).returning('id').executeTakeFirstOrThrow();
      entity.id = inserted.id;
    }
    this.index(entity);
    if (!existing) this.bus.emit('entity_registered', { entity_id: entity.entity_id, device_id: entity.device_id ?? '' });
    return { entity, created: !existing };
  }

  /** A person's changes: a name that stays when the device announces another, and whether lists show the entity. The entity id never changes. */
  async update(entityId: string, changes: { name?: string; hidden?: boolean }): Promise<Entity | undefined> {
    const existing = this.byEntityId.get(entityId);
    if (!existing) return undefined;
    const named = changes.name === undefined ? {} : { name: changes.name, name_by_user: changes.name };
    const entity: Entity = { ...existing, ...named, ...(changes.hidden === undefined ? {} : { hidden: changes.hidden }) };
    const { id: _id, ...row } = toRow(entity);
    await this.db.updateTable('entities').set(row).where('id', '=', entity.id).execute();
    this.unindex(existing);
    this.index(entity);
    return entity;
  }

  /** Drops the device's entities from memory once the database has deleted them with the device. */
  forgetDevice(deviceId: string): string[] {
    const gone = this.forDevice(deviceId);
    for (const entity of gone) this.unindex(entity);
    return gone.map((e) => e.entity_id);
  }

  private newEntityId(input: EntityInput): string {
    const object = slugify(input.device_id ? `${input.device_id}_${input.key}` : input.key) || 'unnamed';
    return firstFree(`${input.kind}.${object}`, (candidate) => this.byEntityId.has(candidate));
  }

  private index(entity: Entity): void {
    this.byEntityId.set(entity.entity_id, entity);
    this.byIdentity.set(identity(entity.plugin, entity.unique_id), entity);
    if (!entity.device_id) return;
    let keys = this.byDeviceAndKey.get(entity.device_id);
    if (!keys) this.byDeviceAndKey.set(entity.device_id, (keys = new Map()));
    keys.set(entity.key, entity);
  }

  private unindex(entity: Entity): void {
    this.byEntityId.delete(entity.entity_id);
    this.byIdentity.delete(identity(entity.plugin, entity.unique_id));
    const keys = entity.device_id ? this.byDeviceAndKey.get(entity.device_id) : undefined;
    if (keys?.get(entity.key) === entity) keys.delete(entity.key);
    if (keys?.size === 0) this.byDeviceAndKey.delete(entity.device_id!);
  }
}

function identity(plugin: string, uniqueId: string): string {
  return `${plugin}\u0000${uniqueId}`;
}

function sameMetadata(a: Entity, b: Entity): boolean {
  return (
    a.device_id === b.device_id &&
    a.key === b.key &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.unit === b.unit &&
    a.device_class === b.device_class &&
    a.state_class === b.state_class
  );
}

function fromRow(row: Selectable<EntitiesTable>): Entity {
  return { ...row, hidden: row.hidden === 1 };
}

function toRow(entity: Entity): Omit<Selectable<EntitiesTable>, never> {
  return { ...entity, hidden: entity.hidden ? 1 : 0 };
}
