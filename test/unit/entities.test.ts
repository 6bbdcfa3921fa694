import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../core/registry/devices.ts';
import { EntityRegistry, type EntityInput } from '../../core/registry/entities.ts';
import { cleanup, closeHandle, openRegistry, recordingBus, tempDbFile } from './support.ts';

afterEach(cleanup);

/** Entity and device registries on a real, migrated SQLite file, loaded as the hub does. */
async function open(file = tempDbFile()) {
  const { sqlite, db } = await openRegistry(file);
  const { bus, events } = recordingBus();
  const devices = new DeviceRegistry(db, bus);
  const entities = new EntityRegistry(db, bus);
  await devices.load();
  await entities.load();
  return { file, sqlite, db, devices, entities, events };
}

const distance: EntityInput = {
  unique_id: 'pico-garage/distance',
  device_id: 'pico-garage',
  key: 'distance',
  kind: 'sensor',
  name: 'Distance',
  unit: 'cm',
  device_class: 'distance',
  state_class: 'measurement',
};

async function withDevices(ids: string[] = ['pico-garage']) {
  const opened = await open();
  for (const id of ids) await opened.devices.upsert('native', { id }, 1);
  opened.events.length = 0;
  return opened;
}

describe('EntityRegistry.upsert: creating', () => {
  it('generates <kind>.<device>_<key> slugged, gives an integer id and emits entity_registered once', async () => {
    const { entities, events } = await withDevices();
    const { entity, created } = await entities.upsert('native', distance, 1_000);
    expect(created).toBe(true);
    expect(entity).toEqual({
      id: 1,
      entity_id: 'sensor.pico_garage_distance',
      plugin: 'native',
      unique_id: 'pico-garage/distance',
      device_id: 'pico-garage',
      key: 'distance',
      kind: 'sensor',
      name: 'Distance',
      name_by_user: null,
      unit: 'cm',
      device_class: 'distance',
      state_class: 'measurement',
      hidden: false,
      created_at: 1_000,
    });
    expect(entities.get('sensor.pico_garage_distance')).toBe(entity);
    expect(events).toEqual([
      { event: 'entity_registered', payload: { entity_id: 'sensor.pico_garage_distance', device_id: 'pico-garage' } },
    ]);

    await entities.upsert('native', distance, 2_000);
    await entities.upsert('native', { ...distance, name: 'Gap' }, 3_000);
    expect(events).toHaveLength(1);
  });

  it('defaults name to the key and metadata to null', async () => {
    const { entities } = await withDevices();
    const { entity } = await entities.upsert('native', { unique_id: 'u', device_id: 'pico-garage', key: 'rssi', kind: 'sensor' }, 5);
    expect(entity).toMatchObject({ entity_id: 'sensor.pico_garage_rssi', name: 'rssi', unit: null, device_class: null, state_class: null });
  });

  it('uses the key alone for an entity without a device, and "unnamed" when nothing is left of it', async () => {
    const { entities, events } = await open();
    const a = await entities.upsert('weather', { unique_id: 'temp', device_id: null, key: 'Outdoor Temp', kind: 'sensor' });
    const b = await entities.upsert('weather', { unique_id: 'junk', device_id: null, key: '***', kind: 'sensor' });
    expect(a.entity.entity_id).toBe('sensor.outdoor_temp');
    expect(b.entity.entity_id).toBe('sensor.unnamed');
    expect(events[0]).toEqual({ event: 'entity_registered', payload: { entity_id: 'sensor.outdoor_temp', device_id: '' } });
  });

  it('a clash of readable ids gets _2, then _3', async () => {
    const { entities } = await withDevices(['pico-garage', 'pico_garage', 'Pico-Garage']);
    const first = await entities.upsert('native', distance);
    const second = await entities.upsert('native', { ...distance, unique_id: 'b', device_id: 'pico_garage' });
    const third = await entities.upsert('native', { ...distance, unique_id: 'c', device_id: 'Pico-Garage' });
    expect([first.entity.entity_id, second.entity.entity_id, third.entity.entity_id]).toEqual([
      'sensor.pico_garage_distance',
      'sensor.pico_garage_distance_2',
      'sensor.pico_garage_distance_3',
    ]);
    expect(new Set([first.entity.id, second.entity.id, third.entity.id]).size).toBe(3);
  });

  it('refuses a second entity for the same device and key, whatever its kind', async () => {
    const { entities } = await withDevices();
    await entities.upsert('native', distance);
    await expect(entities.upsert('native', { ...distance, unique_id: 'other', kind: 'binary_sensor' })).rejects.toThrow(
      'device "pico-garage" already has entity sensor.pico_garage_distance for key "distance"',
    );
    expect(entities.list()).toHaveLength(1);
  });

  it.each(['', 'Sensor', '1sensor', 'sensor.x', 'sensor-x', ' sensor'])('rejects the invalid kind %j', async (kind) => {
    const { db, entities, events } = await withDevices();
    await expect(entities.upsert('native', { ...distance, kind })).rejects.toThrow(`invalid entity kind "${kind}"`);
    expect(entities.list()).toEqual([]);
    expect(events).toEqual([]);
    expect(await db.selectFrom('entities').selectAll().execute()).toEqual([]);
  });
});

describe('EntityRegistry.upsert: identity is (plugin, unique_id)', () => {
  it('upserting again keeps entity id and integer id while name and unit change', async () => {
    const { db, entities } = await withDevices();
    const { entity: first } = await entities.upsert('native', distance, 1_000);
    const { entity, created } = await entities.upsert('native', { ...distance, name: 'Gap to car', unit: 'mm' }, 9_000);
    expect(created).toBe(false);
    expect(entity.id).toBe(first.id);
    expect(entity.entity_id).toBe('sensor.pico_garage_distance');
    expect(entity.name).toBe('Gap to car');
    expect(entity.unit).toBe('mm');
    expect(entity.created_at).toBe(1_000);
    expect(entities.get('sensor.pico_garage_distance')).toBe(entity);
    expect(entities.list()).toHaveLength(1);
    const rows = await db.selectFrom('entities').select(['id', 'entity_id', 'name', 'unit', 'created_at']).execute();
    expect(rows).toEqual([{ id: first.id, entity_id: 'sensor.pico_garage_distance', name: 'Gap to car', unit: 'mm', created_at: 1_000 }]);
  });

  it('an unchanged upsert returns the very same entity', async () => {
    const { entities } = await withDevices();
    const { entity: first } = await entities.upsert('native', distance, 1_000);
    const again = await entities.upsert('native', distance, 2_000);
    expect(again.created).toBe(false);
    expect(again.entity).toBe(first);
  });

  it('keeps the entity id even when the key (and so its slug) changes, and moves byDeviceKey', async () => {
    const { entities } = await withDevices();
    const { entity: first } = await entities.upsert('native', distance);
    const { entity } = await entities.upsert('native', { ...distance, key: 'range' });
    expect(entity.entity_id).toBe('sensor.pico_garage_distance');
    expect(entity.id).toBe(first.id);
    expect(entities.byDeviceKey('pico-garage', 'distance')).toBeUndefined();
    expect(entities.byDeviceKey('pico-garage', 'range')).toBe(entity);
  });

  it('the same unique_id under another plugin is a different entity', async () => {
    const { entities, events } = await withDevices();
    const mine = await entities.upsert('native', distance);
    const theirs = await entities.upsert('esphome', { ...distance, device_id: null });
    expect(theirs.created).toBe(true);
    expect(theirs.entity.id).not.toBe(mine.entity.id);
    expect(theirs.entity.entity_id).toBe('sensor.distance');
    expect(entities.byUniqueId('native', distance.unique_id)).toBe(mine.entity);
    expect(entities.byUniqueId('esphome', distance.unique_id)).toBe(theirs.entity);
    expect(entities.byUniqueId('nobody', distance.unique_id)).toBeUndefined();
    expect(events.map((e) => e.event)).toEqual(['entity_registered', 'entity_registered']);
  });

  it('the same unique_id under another plugin is another entity, and gets _2', async () => {
    const { entities } = await withDevices();
    await entities.upsert('native', distance);
    const { entity } = await entities.upsert('other', { ...distance, key: 'distance_avg' });
    await expect(entities.upsert('other', { ...distance, unique_id: 'x' })).rejects.toThrow('already has entity');
    const clash = await entities.upsert('other', { ...distance, unique_id: 'y', device_id: null, key: 'pico_garage_distance' });
    expect(entity.entity_id).toBe('sensor.pico_garage_distance_avg');
    expect(clash.entity.entity_id).toBe('sensor.pico_garage_distance_2');
    expect(entities.list().map((e) => `${e.plugin}:${e.entity_id}`)).toEqual([
      'native:sensor.pico_garage_distance',
      'other:sensor.pico_garage_distance_2',
      'other:sensor.pico_garage_distance_avg',
    ]);
  });
});

describe('EntityRegistry lookups', () => {
  it('byDeviceKey finds the entity a device reports under a key', async () => {
    const { entities } = await withDevices(['pico-garage', 'kitchen']);
    const { entity } = await entities.upsert('native', distance);
    await entities.upsert('native', { unique_id: 'k/t', device_id: 'kitchen', key: 'distance', kind: 'sensor' });
    expect(entities.byDeviceKey('pico-garage', 'distance')).toBe(entity);
    expect(entities.byDeviceKey('kitchen', 'distance')?.entity_id).toBe('sensor.kitchen_distance');
    expect(entities.byDeviceKey('pico-garage', 'temperature')).toBeUndefined();
    expect(entities.byDeviceKey('nope', 'distance')).toBeUndefined();
  });

  it('forDevice lists only that device’s entities, sorted by entity id', async () => {
    const { entities } = await withDevices(['pico-garage', 'kitchen']);
    await entities.upsert('native', { unique_id: '1', device_id: 'pico-garage', key: 'z_last', kind: 'sensor' });
    await entities.upsert('native', { unique_id: '2', device_id: 'kitchen', key: 'temp', kind: 'sensor' });
    await entities.upsert('native', { unique_id: '3', device_id: 'pico-garage', key: 'door', kind: 'binary_sensor' });
    await entities.upsert('native', { unique_id: '4', device_id: null, key: 'loose', kind: 'sensor' });
    expect(entities.forDevice('pico-garage').map((e) => e.entity_id)).toEqual([
      'binary_sensor.pico_garage_door',
      'sensor.pico_garage_z_last',
    ]);
    expect(entities.forDevice('kitchen').map((e) => e.entity_id)).toEqual(['sensor.kitchen_temp']);
    expect(entities.forDevice('ghost')).toEqual([]);
  });
});

describe('EntityRegistry persistence', () => {
  it('a fresh registry on the same file loads the same entities', async () => {
    const { file, sqlite, entities } = await withDevices();
    await entities.upsert('native', distance, 1_000);
    await entities.upsert('native', { unique_id: 'door', device_id: 'pico-garage', key: 'door', kind: 'binary_sensor' }, 2_000);
    await entities.upsert('native', { ...distance, name: 'Renamed' }, 3_000);
    const before = entities.list();
    closeHandle(sqlite);

    const reopened = await open(file);
    expect(reopened.entities.list()).toEqual(before);
    expect(reopened.entities.get('sensor.pico_garage_distance')).toMatchObject({ id: 1, name: 'Renamed', created_at: 1_000, hidden: false });
    expect(reopened.entities.byDeviceKey('pico-garage', 'door')?.entity_id).toBe('binary_sensor.pico_garage_door');
    expect(reopened.entities.byUniqueId('native', distance.unique_id)?.id).toBe(1);
    expect(reopened.events).toEqual([]);
  });

  it('after a reload, the identity still holds and new ids still avoid clashes', async () => {
    const { file, sqlite, entities } = await withDevices();
    await entities.upsert('native', distance);
    closeHandle(sqlite);

    const reopened = await open(file);
    const again = await reopened.entities.upsert('native', { ...distance, unit: 'm' });
    expect(again.created).toBe(false);
    expect(again.entity).toMatchObject({ id: 1, entity_id: 'sensor.pico_garage_distance', unit: 'm' });
    const clash = await reopened.entities.upsert('native', { ...distance, unique_id: 'new', device_id: null, key: 'pico-garage distance' });
    expect(clash.entity).toMatchObject({ id: 2, entity_id: 'sensor.pico_garage_distance_2' });
    expect(reopened.events.map((e) => e.event)).toEqual(['entity_registered']);
  });

  it('keeps the hidden flag set in the database across a metadata update', async () => {
    const { file, sqlite, db, entities } = await withDevices();
    await entities.upsert('native', distance);
    await db.updateTable('entities').set({ hidden: 1 }).where('id', '=', 1).execute();
    closeHandle(sqlite);

    const reopened = await open(file);
    expect(reopened.entities.get('sensor.pico_garage_distance')?.hidden).toBe(true);
    const { entity } = await reopened.entities.upsert('native', { ...distance, name: 'New name' });
    expect(entity.hidden).toBe(true);
    const row = await reopened.db.selectFrom('entities').select(['hidden', 'name']).executeTakeFirstOrThrow();
    expect(row).toEqual({ hidden: 1, name: 'New name' });
  });
});
