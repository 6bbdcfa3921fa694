import { afterEach, describe, expect, it } from 'vitest';
import { DeviceOwnershipError, DeviceRegistry } from '../../core/registry/devices.ts';
import { cleanup, closeHandle, openRegistry, recordingBus, tempDbFile } from './support.ts';

afterEach(cleanup);

/** A registry on a real, migrated SQLite file, loaded as the hub does. */
async function open(file = tempDbFile()) {
  const { sqlite, db } = await openRegistry(file);
  const { bus, events } = recordingBus();
  const devices = new DeviceRegistry(db, bus);
  await devices.load();
  return { file, sqlite, db, devices, events };
}

describe('DeviceRegistry.upsert', () => {
  it('creates a device with defaults and emits device_registered once', async () => {
    const { devices, events } = await open();
    const { device, created } = await devices.upsert('native', { id: 'pico-garage' }, 1_000);
    expect(created).toBe(true);
    expect(device).toEqual({
      id: 'pico-garage',
      name: 'pico-garage',
      name_by_user: null,
      manufacturer: null,
      model: null,
      sw_version: null,
      room_id: null,
      plugin: 'native',
      identifiers: {},
      via_device_id: null,
      online: null,
      last_seen: null,
      offline_after: null,
      created_at: 1_000,
      updated_at: 1_000,
    });
    expect(devices.get('pico-garage')).toEqual(device);
    expect(events).toEqual([{ event: 'device_registered', payload: { device_id: 'pico-garage' } }]);

    const again = await devices.upsert('native', { id: 'pico-garage', name: 'Garage' }, 2_000);
    expect(again.created).toBe(false);
    expect(events).toHaveLength(1);
  });

  it('an update keeps created_at, moves updated_at and merges the given fields', async () => {
    const { devices } = await open();
    await devices.upsert(
      'native',
      { id: 'd1', name: 'First', manufacturer: 'Acme', model: 'M1', sw_version: '1.0', identifiers: { mac: 'aa' }, via_device_id: 'hub' },
      1_000,
    );
    const { device } = await devices.upsert('native', { id: 'd1', model: 'M2', sw_version: null }, 5_000);
    expect(device).toEqual({
      id: 'd1',
      name: 'First',
      name_by_user: null,
      manufacturer: 'Acme',
      model: 'M2',
      sw_version: null,
      room_id: null,
      plugin: 'native',
      identifiers: { mac: 'aa' },
      via_device_id: 'hub',
      online: null,
      last_seen: null,
      offline_after: null,
      created_at: 1_000,
      updated_at: 5_000,
    });
  });

  it('writes through to the file: a fresh registry loads the same device', async () => {
    const { file, sqlite, devices } = await open();
    await devices.upsert('native', { id: 'd1', name: 'One', manufacturer: 'Acme', identifiers: { serial: '42' } }, 1_000);
    await devices.upsert('native', { id: 'd1', model: 'X' }, 3_000);
    const before = devices.get('d1');
    closeHandle(sqlite);

    const reopened = await open(file);
    expect(reopened.devices.get('d1')).toEqual(before);
    expect(reopened.devices.get('d1')).toEqual({
      id: 'd1',
      name: 'One',
      name_by_user: null,
      manufacturer: 'Acme',
      model: 'X',
      sw_version: null,
      room_id: null,
      plugin: 'native',
      identifiers: { serial: '42' },
      via_device_id: null,
      online: null,
      last_seen: null,
      offline_after: null,
      created_at: 1_000,
      updated_at: 3_000,
    });
    expect(reopened.events).toEqual([]);
  });

  it.each(['', '-starts-with-dash', '_underscore-first', 'has space', 'a/b', 'a+b', 'ünit', 'x'.repeat(65)])(
    'rejects the invalid id %j without storing or emitting',
    async (id) => {
      const { db, devices, events } = await open();
      await expect(devices.upsert('native', { id })).rejects.toThrow(`invalid device id "${id}"`);
      expect(devices.list()).toEqual([]);
      expect(events).toEqual([]);
      expect(await db.selectFrom('devices').selectAll().execute()).toEqual([]);
    },
  );

  it('accepts the edges of the id alphabet: one character and 64 characters', async () => {
    const { devices } = await open();
    const long = `A${'b-_9'.repeat(15)}xyz`;
    expect(long).toHaveLength(64);
    await devices.upsert('native', { id: '7' });
    await devices.upsert('native', { id: long });
    expect(devices.list().map((d) => d.id)).toEqual(['7', long]);
  });

  it('never lets another plugin take over a device', async () => {
    const { db, devices, events } = await open();
    await devices.upsert('native', { id: 'd1', name: 'Mine' }, 1_000);
    const attempt = devices.upsert('zigbee', { id: 'd1', name: 'Theirs' }, 2_000);
    await expect(attempt).rejects.toBeInstanceOf(DeviceOwnershipError);
    await expect(devices.upsert('zigbee', { id: 'd1' })).rejects.toThrow('device id "d1" already belongs to plugin "native"');
    expect(devices.get('d1')).toMatchObject({ plugin: 'native', name: 'Mine', updated_at: 1_000 });
    const rows = await db.selectFrom('devices').select(['plugin', 'name']).execute();
    expect(rows).toEqual([{ plugin: 'native', name: 'Mine' }]);
    expect(events).toHaveLength(1);
  });

  it('still refuses a takeover after a reload from the file', async () => {
    const { file, sqlite, devices } = await open();
    await devices.upsert('native', { id: 'd1' });
    closeHandle(sqlite);
    const reopened = await open(file);
    await expect(reopened.devices.upsert('other', { id: 'd1' })).rejects.toBeInstanceOf(DeviceOwnershipError);
  });

  it('keeps a room assigned in the database when the plugin upserts again', async () => {
    const { file, sqlite, db, devices } = await open();
    await devices.upsert('native', { id: 'd1' }, 1_000);
    await db.insertInto('rooms').values({ id: 'garage', name: 'Garage', created_at: 1 }).execute();
    await db.updateTable('devices').set({ room_id: 'garage' }).where('id', '=', 'd1').execute();
    closeHandle(sqlite);

    const reopened = await open(file);
    expect(reopened.devices.get('d1')?.room_id).toBe('garage');
    const { device } = await reopened.devices.upsert('native', { id: 'd1', name: 'Renamed' }, 2_000);
    expect(device.room_id).toBe('garage');
    const row = await reopened.db.selectFrom('devices').select(['room_id', 'name', 'created_at']).where('id', '=', 'd1').executeTakeFirstOrThrow();
    expect(row).toEqual({ room_id: 'garage', name: 'Renamed', created_at: 1_000 });
  });

  it('list() is sorted by id', async () => {
    const { devices } = await open();
    for (const id of ['b', 'c', 'a']) await devices.upsert('native', { id });
    expect(devices.list().map((d) => d.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('DeviceRegistry.setOnline', () => {
  it('emits device_online / device_offline only when availability really changes', async () => {
    const { devices, events } = await open();
    await devices.upsert('native', { id: 'd1' }, 1_000);
    events.length = 0;

    await devices.setOnline('d1', true, 2_000);
    await devices.setOnline('d1', true, 3_000);
    expect(events).toEqual([{ event: 'device_online', payload: { device_id: 'd1' } }]);
    expect(devices.get('d1')?.online).toBe(true);

    await devices.setOnline('d1', false, 4_000);
    await devices.setOnline('d1', false, 5_000);
    expect(events).toEqual([
      { event: 'device_online', payload: { device_id: 'd1' } },
      { event: 'device_offline', payload: { device_id: 'd1' } },
    ]);
    expect(devices.get('d1')?.online).toBe(false);
  });

  it('going offline from "never heard of" is a change', async () => {
    const { devices, events } = await open();
    await devices.upsert('native', { id: 'd1' });
    events.length = 0;
    await devices.setOnline('d1', false);
    expect(events).toEqual([{ event: 'device_offline', payload: { device_id: 'd1' } }]);
  });

  it('ignores an unknown device', async () => {
    const { devices, events } = await open();
    await devices.setOnline('ghost', true);
    expect(events).toEqual([]);
    expect(devices.get('ghost')).toBeUndefined();
  });

  it('persists availability, and a later upsert keeps it', async () => {
    const { file, sqlite, devices } = await open();
    await devices.upsert('native', { id: 'd1' }, 1_000);
    await devices.setOnline('d1', false, 2_000);
    const { device } = await devices.upsert('native', { id: 'd1', name: 'N' }, 3_000);
    expect(device.online).toBe(false);
    closeHandle(sqlite);
    const reopened = await open(file);
    expect(reopened.devices.get('d1')?.online).toBe(false);
    await reopened.devices.setOnline('d1', false);
    expect(reopened.events).toEqual([]);
  });

  it('coming online counts as being seen; going offline does not', async () => {
    const { devices } = await open();
    await devices.upsert('native', { id: 'd1' }, 1_000);
    await devices.setOnline('d1', true, 2_000);
    expect(devices.get('d1')?.last_seen).toBe(2_000);
    await devices.setOnline('d1', false, 9_000);
    expect(devices.get('d1')?.last_seen).toBe(2_000);
  });
});

describe('DeviceRegistry.touch and flushLastSeen', () => {
  it('keeps last_seen in memory until flushLastSeen writes it to the file', async () => {
    const { file, sqlite, db, devices } = await open();
    await devices.upsert('native', { id: 'd1' }, 1_000);
    await devices.upsert('native', { id: 'd2' }, 1_000);
    devices.touch('d1', 5_000);
    devices.touch('d2', 6_000);
    expect(devices.get('d1')?.last_seen).toBe(5_000);
    const unflushed = await db.selectFrom('devices').select(['id', 'last_seen']).orderBy('id').execute();
    expect(unflushed).toEqual([
      { id: 'd1', last_seen: null },
      { id: 'd2', last_seen: null },
    ]);

    await devices.flushLastSeen();
    closeHandle(sqlite);
    const reopened = await open(file);
    expect(reopened.devices.get('d1')?.last_seen).toBe(5_000);
    expect(reopened.devices.get('d2')?.last_seen).toBe(6_000);
  });

  it('never moves last_seen backwards', async () => {
    const { devices } = await open();
    await devices.upsert('native', { id: 'd1' });
    devices.touch('d1', 5_000);
    devices.touch('d1', 4_000);
    expect(devices.get('d1')?.last_seen).toBe(5_000);
    devices.touch('d1', 7_000);
    expect(devices.get('d1')?.last_seen).toBe(7_000);
  });

  it('writes the latest touch when touched again after a flush', async () => {
    const { file, sqlite, devices } = await open();
    await devices.upsert('native', { id: 'd1' });
    devices.touch('d1', 5_000);
    await devices.flushLastSeen();
    devices.touch('d1', 8_000);
    await devices.flushLastSeen();
    closeHandle(sqlite);
    const reopened = await open(file);
    expect(reopened.devices.get('d1')?.last_seen).toBe(8_000);
  });

  it('ignores touching an unknown device, and a flush with nothing to write is harmless', async () => {
    const { devices } = await open();
    devices.touch('ghost', 5_000);
    await expect(devices.flushLastSeen()).resolves.toBeUndefined();
    expect(devices.list()).toEqual([]);
  });
});
