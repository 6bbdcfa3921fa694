import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

const PICO_ENTITIES = [
  { key: 'distance', kind: 'sensor', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
  { key: 'motion', kind: 'binary_sensor', device_class: 'motion' },
  { key: 'note', kind: 'sensor' },
];

describe('a device over MQTT, seen through the API', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  it('registers the device and its entities from the announce, with readable entity ids', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', PICO_ENTITIES, { name: 'Garage Pico', model: 'Pico W', manufacturer: 'Raspberry Pi', sw: '1.2.0' });

    const { items: devices } = await eventually(async () => {
      const r = await hub.get('/api/devices');
      return r.body.items.length === 1 ? r.body : undefined;
    });
    expect(devices[0]).toMatchObject({ id: 'pico-garage', name: 'Garage Pico', model: 'Pico W', manufacturer: 'Raspberry Pi', sw_version: '1.2.0', plugin: 'mqtt', online: true });

    const { items: entities } = (await hub.get('/api/entities')).body;
    expect(entities.map((e: { entity_id: string }) => e.entity_id)).toEqual([
      'binary_sensor.pico_garage_motion',
      'sensor.pico_garage_distance',
      'sensor.pico_garage_note',
    ]);
    expect(entities[1]).toMatchObject({ unit: 'cm', device_class: 'distance', state_class: 'measurement', device_id: 'pico-garage' });
    expect(entities[1]).not.toHaveProperty('id');
  });

  it('turns telemetry into states and history, using the payload timestamp when given', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', PICO_ENTITIES);
    const t0 = Date.UTC(2026, 10, 23, 3, 0, 0);
    await device.publishAsync('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0, distance: 182.5, motion: false }), { qos: 1 });
    await device.publishAsync('hearth/pico-garage/telemetry', JSON.stringify({ ts: new Date(t0 + 1000).toISOString(), distance: 41.2, motion: 'on' }), { qos: 1 });
    // A batch, as a device flushing its offline queue sends it; no ts on the last: the hub's clock.
    await device.publishAsync('hearth/pico-garage/telemetry', JSON.stringify([{ ts: t0 + 2000, distance: 40 }, { ts: t0 + 3000, distance: 39.5 }, { note: 'hello' }]), { qos: 1 });

    const { body: note } = await eventually(async () => {
      const r = await hub.get('/api/states/sensor.pico_garage_note');
      return r.status === 200 ? r : undefined;
    });
    expect(note.state).toBe('hello');
    expect(Date.parse(note.last_updated)).toBeGreaterThan(Date.now() - 10_000);

    const { body: distance } = await hub.get('/api/states/sensor.pico_garage_distance');
    expect(distance).toMatchObject({ state: 39.5, last_changed: new Date(t0 + 3000).toISOString() });
    const { body: motion } = await hub.get('/api/states/binary_sensor.pico_garage_motion');
    expect(motion).toMatchObject({ state: true, last_changed: new Date(t0 + 1000).toISOString() });

    const { body: history } = await hub.get(`/api/history/sensor.pico_garage_distance?from=${t0}&to=${new Date(t0 + 60_000).toISOString()}`);
    expect(history).toMatchObject({ entity_id: 'sensor.pico_garage_distance', unit: 'cm', resolution: 'raw', step_ms: null });
    expect(history.points).toEqual([
      { ts: new Date(t0).toISOString(), value: 182.5 },
      { ts: new Date(t0 + 1000).toISOString(), value: 41.2 },
      { ts: new Date(t0 + 2000).toISOString(), value: 40 },
      { ts: new Date(t0 + 3000).toISOString(), value: 39.5 },
    ]);
    const { body: motionHistory } = await hub.get(`/api/history/binary_sensor.pico_garage_motion?from=${t0}&to=${t0 + 60_000}`);
    expect(motionHistory.points.map((p: { value: number }) => p.value)).toEqual([0, 1]);

    const { body: one } = await hub.get('/api/devices/pico-garage');
    expect(one.entities).toHaveLength(3);
    expect(one.entities.find((e: { key: string }) => e.key === 'distance').state.state).toBe(39.5);
  });

  it('marks the device offline from its status topic and its last will', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'esp-1');
    await announce(device, 'esp-1', [{ key: 'temperature', kind: 'sensor', unit: '°C' }]);
    await eventually(async () => (await hub.get('/api/devices/esp-1')).body.online === true);

    await device.publishAsync('hearth/esp-1/status', 'offline', { qos: 1, retain: true });
    await eventually(async () => (await hub.get('/api/devices/esp-1')).body.online === false);
    await device.publishAsync('hearth/esp-1/status', 'online', { qos: 1, retain: true });
    await eventually(async () => (await hub.get('/api/devices/esp-1')).body.online === true);

    // Dropping the connection without DISCONNECT makes the broker publish the will.
    device.stream.destroy();
    device = undefined;
    await eventually(async () => (await hub.get('/api/devices/esp-1')).body.online === false);
    expect(hub.logs.some((l) => l.msg === 'device esp-1 is offline')).toBe(true);
  });

  it('keeps devices, entities, states and history across a restart', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', PICO_ENTITIES);
    const t0 = Date.now() - 60_000;
    await device.publishAsync('hearth/pico-garage/telemetry', JSON.stringify([{ ts: t0, distance: 100 }, { ts: t0 + 1000, distance: 55.5, note: 'kept' }]), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/sensor.pico_garage_distance')).body.state === 55.5);
    await device.endAsync();
    device = undefined;

    hub = await hub.restart();
    const { items: devices } = (await hub.get('/api/devices')).body;
    expect(devices.map((d: { id: string }) => d.id)).toEqual(['pico-garage']);
    expect((await hub.get('/api/states/sensor.pico_garage_distance')).body).toMatchObject({ state: 55.5, last_changed: new Date(t0 + 1000).toISOString() });
    expect((await hub.get('/api/states/sensor.pico_garage_note')).body.state).toBe('kept');
    const { body: history } = await hub.get(`/api/history/sensor.pico_garage_distance?from=${t0}`);
    expect(history.points.map((p: { value: number }) => p.value)).toEqual([100, 55.5]);

    // The entity id given at first sight stays, even when the device re-announces with a new name.
    device = await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', [{ ...PICO_ENTITIES[0], name: 'Distance to car' }]);
    await eventually(async () => (await hub.get('/api/entities')).body.items.some((e: { name: string }) => e.name === 'Distance to car'));
    expect((await hub.get('/api/entities')).body.items.map((e: { entity_id: string }) => e.entity_id)).toContain('sensor.pico_garage_distance');
  });

  it('answers API mistakes with a clear JSON error', async () => {
    hub = await startHub();
    expect(await hub.get('/api/devices/nope')).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'no device "nope"' } } });
    expect((await hub.get('/api/states/sensor.nope')).status).toBe(404);
    expect((await hub.get('/api/history/sensor.nope')).status).toBe(404);
    expect((await hub.get('/api/nothing-here')).body.error.code).toBe('not_found');

    device = await connectDevice(hub.mqttUrl, 'd1');
    await announce(device, 'd1', [{ key: 't', kind: 'sensor', unit: '°C' }]);
    await eventually(async () => (await hub.get('/api/entities')).body.items.length === 1);
    const bad = await hub.get('/api/history/sensor.d1_t?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('from: "yesterday" is neither ISO 8601');
    const reversed = await hub.get('/api/history/sensor.d1_t?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.message).toContain('is after to');
  });

  it('serves the status page at /', async () => {
    hub = await startHub();
    const response = await fetch(hub.api + '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain("fetch('/api/devices?limit=1000')");
  });

  it('reports broker, store and plugins in /api/health', async () => {
    hub = await startHub();
    const { status, body } = await hub.get('/api/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      broker: { mode: 'embedded', status: 'ok', port: hub.hub.mqttPort, clients: 0 },
      store: { backend: 'sqlite', status: 'ok', pending: 0 },
      plugins: {},
    });
  });
});
