import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

const ENTITIES = [
  { key: 'temperature', kind: 'sensor', unit: '°C', name: 'Temperature' },
  { key: 'rssi', kind: 'sensor', unit: 'dBm', name: 'Wi-Fi signal' },
];

describe('entities and states through the API', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    device = undefined;
    await hub?.stop();
  });

  async function esp(values: Record<string, number>): Promise<void> {
    if (!device) {
      device = await connectDevice(hub.mqttUrl, 'esp');
      await announce(device, 'esp', ENTITIES, { name: 'ESP' });
    }
    await device.publishAsync('hearth/esp/telemetry', JSON.stringify(values), { qos: 1 });
  }

  const ids = (answer: { body: { items: Array<{ entity_id: string }> } }) => answer.body.items.map((e) => e.entity_id);

  it('renames and hides entities; hidden ones leave the lists unless asked for, and the entity id never changes', async () => {
    hub = await startHub();
    await esp({ temperature: 20, rssi: -60 });
    await eventually(async () => (await call(hub, 'GET', '/api/states')).body.items.length === 2);

    const renamed = await call(hub, 'PATCH', '/api/entities/sensor.esp_rssi', { name: 'Signal', hidden: true });
    expect(renamed).toMatchObject({ status: 200, body: { entity_id: 'sensor.esp_rssi', name: 'Signal', name_by_user: 'Signal', hidden: true } });
    expect(ids(await call(hub, 'GET', '/api/entities'))).toEqual(['sensor.esp_temperature']);
    expect(ids(await call(hub, 'GET', '/api/entities?include_hidden=true'))).toEqual(['sensor.esp_rssi', 'sensor.esp_temperature']);
    expect(ids(await call(hub, 'GET', '/api/states'))).toEqual(['sensor.esp_temperature']);
    expect(ids(await call(hub, 'GET', '/api/states?include_hidden=true'))).toEqual(['sensor.esp_rssi', 'sensor.esp_temperature']);
    expect((await call(hub, 'GET', '/api/devices/esp')).body.entities.map((e: { key: string }) => e.key)).toEqual(['temperature']);
    expect((await call(hub, 'GET', '/api/devices/esp?include_hidden=true')).body.entities).toHaveLength(2);
    // Still there for whoever asks for it by id.
    expect((await call(hub, 'GET', '/api/states/sensor.esp_rssi')).body.state).toBe(-60);

    // A re-announce with the device's own names keeps the person's name and the hiding.
    await announce(device!, 'esp', ENTITIES.map((e) => ({ ...e, unit: e.key === 'rssi' ? 'dB' : e.unit })), { name: 'ESP' });
    await eventually(async () => (await call(hub, 'GET', '/api/entities/sensor.esp_rssi')).body.unit === 'dB');
    expect((await call(hub, 'GET', '/api/entities/sensor.esp_rssi')).body).toMatchObject({ name: 'Signal', hidden: true });

    expect((await call(hub, 'PATCH', '/api/entities/sensor.esp_rssi', { hidden: false })).body).toMatchObject({ name: 'Signal', hidden: false });
    expect((await call(hub, 'PATCH', '/api/entities/sensor.esp_rssi', { entity_id: 'sensor.other' })).body.error.details).toEqual([
      { in: 'body', path: '/entity_id', message: 'unknown key "entity_id" (allowed: name, hidden)' },
    ]);
    expect((await call(hub, 'PATCH', '/api/entities/sensor.nope', { name: 'x' })).body.error).toEqual({ code: 'not_found', message: 'no entity "sensor.nope"' });
    expect((await call(hub, 'GET', '/api/entities/sensor.nope')).status).toBe(404);
  });

  it('answers 304 to an If-None-Match that holds the current ETag of a state or the states list', async () => {
    hub = await startHub();
    await esp({ temperature: 20, rssi: -60 });
    await eventually(async () => (await call(hub, 'GET', '/api/states')).body.items.length === 2);

    const list = await call(hub, 'GET', '/api/states');
    const listTag = list.headers.get('etag')!;
    expect(listTag).toMatch(/^"[0-9a-z]+\.\d+"$/);
    const cached = await call(hub, 'GET', '/api/states', undefined, { 'if-none-match': listTag });
    expect(cached.status).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.get('etag')).toBe(listTag);
    expect((await call(hub, 'GET', '/api/states', undefined, { 'if-none-match': `"other", W/${listTag}` })).status).toBe(304);

    const temperature = await call(hub, 'GET', '/api/states/sensor.esp_temperature');
    const oneTag = temperature.headers.get('etag')!;
    expect((await call(hub, 'GET', '/api/states/sensor.esp_temperature', undefined, { 'if-none-match': oneTag })).status).toBe(304);

    // Another entity changes: the list's tag changes, the temperature's does not.
    await esp({ rssi: -70 });
    await eventually(async () => (await call(hub, 'GET', '/api/states/sensor.esp_rssi')).body.state === -70);
    expect((await call(hub, 'GET', '/api/states/sensor.esp_temperature', undefined, { 'if-none-match': oneTag })).status).toBe(304);
    const changed = await call(hub, 'GET', '/api/states', undefined, { 'if-none-match': listTag });
    expect(changed.status).toBe(200);
    expect(changed.body.items.find((s: { entity_id: string }) => s.entity_id === 'sensor.esp_rssi').state).toBe(-70);

    // A repeat of the same value is no change.
    const afterRssi = changed.headers.get('etag')!;
    await esp({ rssi: -70 });
    await esp({ temperature: 20 });
    expect((await call(hub, 'GET', '/api/states', undefined, { 'if-none-match': afterRssi })).status).toBe(304);

    await esp({ temperature: 21 });
    await eventually(async () => (await call(hub, 'GET', '/api/states/sensor.esp_temperature', undefined, { 'if-none-match': oneTag })).status === 200);

    // Hiding an entity changes what the list holds.
    const beforeHiding = (await call(hub, 'GET', '/api/states')).headers.get('etag')!;
    await call(hub, 'PATCH', '/api/entities/sensor.esp_rssi', { hidden: true });
    expect((await call(hub, 'GET', '/api/states', undefined, { 'if-none-match': beforeHiding })).status).toBe(200);

    // Tags from before a restart never match: the counters start again.
    const beforeRestart = (await call(hub, 'GET', '/api/states/sensor.esp_temperature')).headers.get('etag')!;
    await device!.endAsync();
    device = undefined;
    hub = await hub.restart();
    const fresh = await call(hub, 'GET', '/api/states/sensor.esp_temperature', undefined, { 'if-none-match': beforeRestart });
    expect(fresh.status).toBe(200);
    expect(fresh.body.state).toBe(21);
  });
});
