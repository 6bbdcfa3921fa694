import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, SECURE_BASE_CONFIG, startHub, tempDir, type TestHub } from '../support/hub.ts';

const APPROVAL = 'discovery: { require_approval: true }\n';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hearth.js');
const run = promisify(execFile);
const DISTANCE = [{ key: 'distance', kind: 'sensor', unit: 'cm' }];

// A Tasmota plug as it announces itself (abbreviated keys).
const TASMOTA_CONFIG = {
  name: 'Relay',
  stat_t: 'stat/tasmota_ABC123/RESULT',
  val_tpl: '{{ value_json.POWER }}',
  cmd_t: 'cmnd/tasmota_ABC123/POWER',
  pl_on: 'ON',
  pl_off: 'OFF',
  uniq_id: 'ABC123_RL_1',
  dev: { cns: [['mac', 'A0:B1:C2:D3:E4:F5']], name: 'Kitchen plug', mdl: 'Sonoff Basic', mf: 'Tasmota' },
};

describe('discovery.require_approval', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });
  const device = async (id: string) => {
    const client = await connectDevice(hub.mqttUrl, id);
    clients.push(client);
    return client;
  };
  const post = (path: string, body?: object) =>
    fetch(hub.api + path, { method: 'POST', ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const pending = async (status = 'pending') => (await hub.get(`/api/pending-devices?status=${status}`)).body.devices as Array<Record<string, unknown>>;
  const events = async () => (await hub.get('/api/events?from=0')).body.items as unknown[];

  it('holds a new native device until approved, then registers it from its held announce', async () => {
    hub = await startHub({ yaml: APPROVAL });
    const garage = await device('garage');
    await announce(garage, 'garage', DISTANCE, { name: 'Garage sensor', model: 'pico-ultrasonic', manufacturer: 'Hearth' });
    const [held] = await eventually(async () => (await pending()).length === 1 && pending());
    expect(held).toMatchObject({ device_id: 'garage', status: 'pending', source: 'mqtt', name: 'Garage sensor', model: 'pico-ultrasonic' });
    expect((await hub.get('/api/devices/garage')).status).toBe(404);

    await garage.publishAsync('hearth/garage/telemetry', JSON.stringify({ distance: 80 }), { qos: 1 });
    await eventually(() => hub.logs.some((l) => /device "garage" is waiting for approval: its messages are not recorded/.test(l.msg)));
    expect((await hub.get('/api/states/sensor.garage_distance')).status).toBe(404);

    const approved = await post('/api/pending-devices/garage/approve');
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ device_id: 'garage', status: 'approved' });
    await eventually(async () => (await hub.get('/api/devices/garage')).body.name === 'Garage sensor');
    expect(await pending()).toEqual([]);
    await garage.publishAsync('hearth/garage/telemetry', JSON.stringify({ distance: 81.5 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/sensor.garage_distance')).body.state === 81.5);
    expect(JSON.stringify(await events())).toMatch(/device_pending[\s\S]*device_approved|device_approved[\s\S]*device_pending/);

    // Deciding twice, or on a device nobody announced, is an error that says so.
    expect((await post('/api/pending-devices/garage/approve')).status).toBe(409);
    const missing = await post('/api/pending-devices/nobody/reject');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found', message: 'no device "nobody" is waiting for approval' } });
    expect((await hub.get('/api/pending-devices?status=maybe')).status).toBe(400);
  });

  it('ignores a rejected device until it is approved and announces again', async () => {
    hub = await startHub({ yaml: APPROVAL });
    const stranger = await device('stranger');
    await announce(stranger, 'stranger', DISTANCE);
    await eventually(async () => (await pending()).length === 1);
    expect((await post('/api/pending-devices/stranger/reject')).status).toBe(200);
    await announce(stranger, 'stranger', DISTANCE);
    await stranger.publishAsync('hearth/stranger/telemetry', JSON.stringify({ distance: 5 }), { qos: 1 });
    await eventually(() => hub.logs.some((l) => /device "stranger" is rejected/.test(l.msg)));
    expect(await pending()).toEqual([]);
    expect((await pending('rejected')).map((d) => d.device_id)).toEqual(['stranger']);
    expect((await hub.get('/api/devices/stranger')).status).toBe(404);

    // Approving later needs a fresh announce: what it sent while rejected was dropped.
    expect((await post('/api/pending-devices/stranger/approve')).status).toBe(200);
    await announce(stranger, 'stranger', DISTANCE);
    await eventually(async () => (await hub.get('/api/devices/stranger')).status === 200);
  });

  it('holds a Home Assistant discovery device too, and keeps pending devices across a restart', async () => {
    const dir = tempDir();
    hub = await startHub({ dir, yaml: APPROVAL });
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    clients.push(client);
    await client.publishAsync('homeassistant/switch/ABC123/RL_1/config', JSON.stringify(TASMOTA_CONFIG), { qos: 1, retain: true });
    const [held] = await eventually(async () => (await pending()).length === 1 && pending());
    expect(held).toMatchObject({ device_id: 'a0_b1_c2_d3_e4_f5', source: 'ha-discovery', name: 'Kitchen plug', model: 'Sonoff Basic', manufacturer: 'Tasmota' });
    await hub.hub.approvals.settled();
    await client.endAsync();
    clients.length = 0;

    hub = await hub.restart();
    expect((await pending()).map((d) => d.device_id)).toEqual(['a0_b1_c2_d3_e4_f5']);
    expect((await post('/api/pending-devices/a0_b1_c2_d3_e4_f5/approve')).status).toBe(200);
    await eventually(async () => (await hub.get('/api/devices/a0_b1_c2_d3_e4_f5')).body.name === 'Kitchen plug');
    const plug = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    clients.push(plug);
    // The replayed config subscribed the state topic: the plug's state now follows.
    await eventually(async () => {
      await plug.publishAsync('stat/tasmota_ABC123/RESULT', JSON.stringify({ POWER: 'ON' }), { qos: 1 });
      return (await hub.get('/api/states/switch.a0_b1_c2_d3_e4_f5_rl_1')).body.state === true;
    });
  });

  it('lets devices a person created announce at once', async () => {
    hub = await startHub({ yaml: APPROVAL });
    expect((await post('/api/devices', { id: 'porch' })).status).toBe(201);
    const porch = await device('porch');
    await announce(porch, 'porch', DISTANCE);
    await eventually(async () => (await hub.get('/api/devices/porch')).body.entities?.length === 1);
    expect(await pending()).toEqual([]);

    // Also from another process, beside the running hub: the account is the approval.
    await run(process.execPath, [BIN, 'device', 'add', 'shed'], { env: { ...process.env, HEARTH_CONFIG: join(hub.dir, 'hearth.yaml'), HEARTH_DATA_DIR: '' } });
    const shed = await device('shed');
    await announce(shed, 'shed', DISTANCE);
    await eventually(async () => (await hub.get('/api/devices/shed')).body.entities?.length === 1);
    expect(await pending()).toEqual([]);
  });

  it('counts an open pairing window as approval', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG, yaml: APPROVAL });
    const { key } = (await (await post('/api/pairing', { minutes: 5 })).json()) as { key: string };
    const joining = await mqtt.connectAsync(hub.mqttUrl, { username: 'new-pico', password: key, reconnectPeriod: 0 });
    clients.push(joining);
    await joining.subscribeAsync('hearth/new-pico/credentials', { qos: 1 });
    const account = new Promise<{ password: string }>((resolve) => joining.once('message', (_t, raw) => resolve(JSON.parse(raw.toString()))));
    await announce(joining, 'new-pico', DISTANCE);
    expect((await account).password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await hub.get('/api/devices/new-pico')).status).toBe(200);
    expect(await pending()).toEqual([]);
  });

  it('registers devices as they appear when approval is off (the default)', async () => {
    hub = await startHub();
    const garage = await device('garage');
    await announce(garage, 'garage', DISTANCE);
    await eventually(async () => (await hub.get('/api/devices/garage')).status === 200);
    expect((await hub.get('/api/pending-devices')).body).toEqual({ require_approval: false, devices: [] });
  });
});
