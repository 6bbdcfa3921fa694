/**
 * The device simulator against the real hub: devices provision themselves
 * through the data dir, appear with their entities and values, answer
 * commands sent through the API, survive a hub restart, and go offline when
 * stopped; the Shelly simulation speaks Gen2 MQTT to a plain MQTT client;
 * `hearth simulate` and `npm run demo` run as real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config/load-config.ts';
import { startSimulation, type SimulateArgs } from '../core/simulate/cli-simulate.ts';
import { shellyIdentity } from '../core/simulate/shelly-device.ts';
import type { Simulation } from '../core/simulate/simulator.ts';
import { eventually, SECURE_BASE_CONFIG, startHub, tempDir, type TestHub } from './support/hub.ts';
import { PICO_ANNOUNCED_ENTITIES } from './support/pico-announce.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'hearth.js');
const ENV = { ...process.env, HEARTH_CONFIG: '', HEARTH_HTTP_PORT: '', HEARTH_MQTT_PORT: '', HEARTH_DATA_DIR: '' };

let hubs: TestHub[] = [];
let simulations: Simulation[] = [];
let children: ChildProcess[] = [];
let clients: MqttClient[] = [];

afterEach(async () => {
  // A failed assertion must leave no device, process or hub behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await Promise.all(simulations.map((s) => s.stop()));
  for (const hub of hubs) await hub.stop();
  hubs = [];
  simulations = [];
  children = [];
  clients = [];
});

async function hubWith(options: Parameters<typeof startHub>[0] = {}): Promise<TestHub> {
  const hub = await startHub(options);
  hubs.push(hub);
  return hub;
}

/** The in-process simulator, configured exactly as `hearth simulate --config <the hub's file>` would be. */
async function simulate(hub: TestHub, args: SimulateArgs, lines: string[] = [], heartbeatMs?: number): Promise<Simulation> {
  const config = () => loadConfig(join(hub.dir, 'hearth.yaml'), { env: { HEARTH_MQTT_PORT: String(hub.hub.mqttPort) } });
  const simulation = await startSimulation(args, config, { print: (line) => lines.push(line), summaryEveryMs: 0, ...(heartbeatMs ? { heartbeatMs } : {}) });
  simulations.push(simulation);
  return simulation;
}

async function post(hub: TestHub, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(hub.api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function state(hub: TestHub, entityId: string): Promise<unknown> {
  const { status, body } = await hub.get(`/api/states/${entityId}`);
  return status === 200 ? body.state : undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A process of ours in its own process group (so Ctrl-C can be played by
 * signalling the group, as a terminal does), its stdout collected line by line.
 */
function run(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; lines: string[]; closed: Promise<number | null> } {
  const child = spawn(command, args, { cwd: ROOT, env: { ...ENV, ...env }, detached: true });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
  // 'close' comes after stdout is drained.
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, lines, closed };
}

describe('hearth simulate: ESP32 sensors', () => {
  it('provision their own accounts, appear with entities and values, and answer commands from the API', async () => {
    const hub = await hubWith({ base: SECURE_BASE_CONFIG });
    const lines: string[] = [];
    const simulation = await simulate(hub, { kind: 'esp32', devices: '2', rate: '5' }, lines);
    expect(lines.filter((l) => /^sim-esp32-\d: ESP32 sensor/.test(l))).toHaveLength(2);

    const device = await eventually(async () => {
      const { status, body } = await hub.get('/api/devices/sim-esp32-2');
      return status === 200 && body.online === true && body.entities.length === 12 && body;
    });
    expect(device).toMatchObject({ model: 'esp32-sensor', manufacturer: 'Hearth', offline_after: 60_000 });
    const byKey = Object.fromEntries(device.entities.map((e: { key: string }) => [e.key, e]));
    expect(byKey.temperature).toMatchObject({ kind: 'sensor', unit: '°C', device_class: 'temperature', state_class: 'measurement' });
    expect(byKey.accel_z).toMatchObject({ unit: 'm/s²', state_class: 'measurement' });
    expect(byKey.gyro_x).toMatchObject({ unit: '°/s' });
    expect(byKey.battery).toMatchObject({ unit: '%', device_class: 'battery' });
    expect(byKey.rssi).toMatchObject({ unit: 'dBm', device_class: 'signal_strength' });
    expect(byKey.interval).toMatchObject({ kind: 'number', unit: 's' });
    expect(byKey.output).toMatchObject({ kind: 'switch' });

    // Plausible readings: a room near 21 °C, gravity on z.
    const temperature = (await eventually(() => state(hub, 'sensor.sim_esp32_1_temperature'))) as number;
    expect(temperature).toBeGreaterThan(15);
    expect(temperature).toBeLessThan(27);
    expect(Math.abs(((await eventually(() => state(hub, 'sensor.sim_esp32_1_accel_z'))) as number) - 9.81)).toBeLessThan(0.5);
    expect(await state(hub, 'number.sim_esp32_1_interval')).toBe(5);

    const switched = await post(hub, '/api/entities/switch.sim_esp32_1_output/commands', { value: 'on' });
    expect(switched).toEqual({ status: 200, body: { id: expect.any(String), ok: true, value: true } });
    expect(await state(hub, 'switch.sim_esp32_1_output')).toBe(true);

    // A longer interval raises offline_after (3 × interval), so the device re-announces it.
    const slower = await post(hub, '/api/entities/number.sim_esp32_1_interval/commands', { value: 30 });
    expect(slower.body).toMatchObject({ ok: true, value: 30 });
    await eventually(async () => (await hub.get('/api/devices/sim-esp32-1')).body.offline_after === 90_000);
    const refused = await post(hub, '/api/entities/number.sim_esp32_1_interval/commands', { value: 2 });
    expect(refused.body).toEqual({ id: expect.any(String), ok: false, error: 'interval must be 5-3600 s, got 2' });
    expect(simulation.stats()).toMatchObject({ devices: 2, connected: 2, answered: 3, failed: 0 });

    await simulation.stop();
    expect(lines.at(-1)).toMatch(/^sim: stopped 2 devices, \d+ messages sent, 3 acks, 0 reconnects$/);
    for (const id of ['sim-esp32-1', 'sim-esp32-2']) expect((await hub.get(`/api/devices/${id}`)).body.online).toBe(false);
  });
});

describe('hearth simulate: Pico W ultrasonic', () => {
  it('speaks the firmware protocol, takes a threshold, and queues its triggers while the hub restarts', async () => {
    const port = await freePort();
    const base = `http: { host: 127.0.0.1, port: 0 }\nmqtt: { host: 127.0.0.1, port: ${port}, allow_anonymous: true }\nlog: { level: debug }\n`;
    let hub = await hubWith({ base });
    const observer = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'observer', reconnectPeriod: 0 });
    clients.push(observer);
    const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
    observer.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await observer.subscribeAsync('hearth/sim-pico-1/#', { qos: 1 });

    const simulation = await simulate(hub, { kind: 'pico', devices: '1', rate: '10' }, [], 500);
    const telemetry = () => received.filter((m) => m.topic === 'hearth/sim-pico-1/telemetry').map((m) => JSON.parse(m.payload));
    const triggered = () => telemetry().filter((t) => 'distance' in t);
    await eventually(() => triggered().length >= 3);

    const announce = JSON.parse(received.find((m) => m.topic === 'hearth/sim-pico-1/announce')!.payload);
    expect(announce).toEqual({
      id: 'sim-pico-1',
      name: 'Sim Pico 1',
      model: 'pico-ultrasonic',
      manufacturer: 'Hearth',
      sw: '1.1.0',
      offline_after: 900,
      entities: PICO_ANNOUNCED_ENTITIES,
    });
    // Announce and status are retained: a client subscribing later still gets them.
    const late = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'late', reconnectPeriod: 0 });
    clients.push(late);
    const retained: Array<{ topic: string; payload: string; retain: boolean }> = [];
    late.on('message', (topic, payload, packet) => retained.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await late.subscribeAsync(['hearth/sim-pico-1/announce', 'hearth/sim-pico-1/status']);
    await eventually(() => retained.length === 2);
    expect(retained).toContainEqual({ topic: 'hearth/sim-pico-1/status', payload: 'online', retain: true });
    expect(retained.find((m) => m.topic.endsWith('/announce'))).toMatchObject({ retain: true });
    // A heartbeat at once on connecting, then every period (the firmware's 300 s, shortened here).
    await eventually(() => telemetry().filter((t) => 'rssi' in t).length >= 2);
    const heartbeat = telemetry().find((t) => 'rssi' in t);
    expect(Object.keys(heartbeat).sort()).toEqual(['baseline', 'rssi', 'threshold', 'ts']);
    expect(heartbeat.threshold).toBe(20);
    const trigger = triggered()[0];
    expect(Object.keys(trigger).sort()).toEqual(['baseline', 'date', 'device_id', 'distance', 'time', 'ts']);
    const iso = new Date(trigger.ts).toISOString();
    expect(trigger).toMatchObject({ device_id: 'sim-pico-1', date: iso.slice(0, 10), time: iso.slice(11, 19) });
    expect(trigger.distance).toBeLessThan(trigger.baseline - 20);
    expect(Number.isInteger(trigger.distance * 10)).toBe(true);
    expect(await eventually(() => state(hub, 'sensor.sim_pico_1_distance'))).toEqual(expect.any(Number));

    // Threshold commands: out of range refused, in range applied; nobody nearer than baseline - threshold counts.
    const acks: unknown[] = [];
    observer.on('message', (topic, payload) => topic.endsWith('/cmd/threshold/ack') && acks.push(JSON.parse(payload.toString())));
    await observer.publishAsync('hearth/sim-pico-1/cmd/threshold', JSON.stringify({ id: 'c1', value: 401 }), { qos: 1 });
    await observer.publishAsync('hearth/sim-pico-1/cmd/threshold', JSON.stringify({ id: 'c2', value: 100 }), { qos: 1 });
    await eventually(() => acks.length === 2);
    expect(acks).toEqual([
      { id: 'c1', ok: false, error: 'threshold must be between 1 and 400 cm, got 401' },
      { id: 'c2', ok: true, value: 100 },
    ]);
    // as the firmware: the applied threshold goes out on telemetry right after its ack, the refused one not at all
    const thresholdReports = () => telemetry().filter((t) => Object.keys(t).sort().join() === 'threshold,ts');
    await eventually(() => thresholdReports().length > 0);
    expect(thresholdReports().map((t) => t.threshold)).toEqual([100]);
    const seen = triggered().length;
    await eventually(() => triggered().length >= seen + 3);
    for (const t of triggered().slice(seen + 1)) expect(t.distance).toBeLessThan(t.baseline - 100);

    // The hub goes away for a moment: triggers meanwhile are queued and arrive afterwards with their own times.
    await hub.stop();
    const down = { from: Date.now(), to: 0 };
    await new Promise((r) => setTimeout(r, 800));
    down.to = Date.now();
    hub = await hub.restart();
    hubs.push(hub);
    await eventually(() => simulation.stats().reconnects === 1, 10_000);
    const history = await eventually(async () => {
      const { body } = await hub.get(`/api/history/sensor.sim_pico_1_distance?from=${down.from}&to=${down.to}`);
      return body.points?.length > 0 && body.points;
    });
    expect(history.length).toBeGreaterThan(1);
  });
});

describe('hearth simulate: Shelly Plus Plug S', () => {
  const { deviceId: shelly } = shellyIdentity('sim-shelly-1');

  it('publishes the documented Gen2 status frames and answers RPC requests on <src>/rpc', async () => {
    const hub = await hubWith();
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'test-client', reconnectPeriod: 0 });
    clients.push(client);
    const received: Array<{ topic: string; payload: string; retain: boolean }> = [];
    client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await client.subscribeAsync([`${shelly}/#`, 'test-client/rpc'], { qos: 1 });
    const simulation = await simulate(hub, { kind: 'shelly', devices: '1', rate: '10' });
    const on = (topic: string) => received.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload));

    await eventually(() => on(`${shelly}/status/switch:0`).length >= 2);
    expect(received.find((m) => m.topic === `${shelly}/online`)?.payload).toBe('true');
    const status = on(`${shelly}/status/switch:0`).at(-1);
    expect(Object.keys(status).sort()).toEqual(['aenergy', 'apower', 'current', 'id', 'output', 'source', 'temperature', 'voltage']);
    expect(status).toMatchObject({ id: 0, output: true, source: 'init', aenergy: { total: expect.any(Number), minute_ts: expect.any(Number) }, temperature: { tC: expect.any(Number), tF: expect.any(Number) } });
    expect(status.aenergy.by_minute).toHaveLength(3);
    expect(status.apower).toBeGreaterThan(0);
    expect(status.current).toBeCloseTo(status.apower / status.voltage, 2);
    const [full, ...notifications] = on(`${shelly}/events/rpc`);
    expect(full).toMatchObject({ src: shelly, dst: `${shelly}/events`, method: 'NotifyFullStatus', params: { ts: expect.any(Number), 'switch:0': { id: 0 }, sys: { mac: expect.any(String) } } });
    expect(notifications[0]).toMatchObject({ src: shelly, method: 'NotifyStatus', params: { 'switch:0': { id: 0, apower: expect.any(Number) } } });

    const rpc = async (request: object) => {
      const before = on('test-client/rpc').length;
      await client.publishAsync(`${shelly}/rpc`, JSON.stringify({ src: 'test-client', ...request }), { qos: 1 });
      return eventually(() => on('test-client/rpc')[before]);
    };
    expect(await rpc({ id: 1, method: 'Switch.Set', params: { id: 0, on: false } })).toEqual({ id: 1, src: shelly, dst: 'test-client', result: { was_on: true } });
    await eventually(() => on(`${shelly}/status/switch:0`).at(-1).output === false);
    expect(on(`${shelly}/status/switch:0`).at(-1)).toMatchObject({ output: false, source: 'MQTT', apower: 0 });
    expect(on(`${shelly}/events/rpc`).some((f) => f.params['switch:0']?.output === false)).toBe(true);
    expect(await rpc({ id: 'g', method: 'Switch.GetStatus', params: { id: 0 } })).toMatchObject({ id: 'g', result: { id: 0, output: false } });
    expect(await rpc({ id: 3, method: 'Shelly.GetDeviceInfo' })).toMatchObject({ result: { id: shelly, model: 'SNPL-00112EU', gen: 2, app: 'PlusPlugS' } });
    expect((await rpc({ id: 4, method: 'Shelly.GetStatus' })).result['switch:0']).toMatchObject({ id: 0, output: false });
    expect(await rpc({ id: 5, method: 'Switch.Set', params: { id: 1, on: true } })).toMatchObject({ error: { code: -105, message: 'Bad id=1' } });
    expect(await rpc({ id: 6, method: 'Cover.Open', params: { id: 0 } })).toEqual({ id: 6, src: shelly, dst: 'test-client', error: { code: 404, message: 'No handler for Cover.Open' } });
    expect(simulation.stats().answered).toBe(6);

    await simulation.stop();
    const late = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'late', reconnectPeriod: 0 });
    clients.push(late);
    const retained = new Promise<string>((resolve) => late.on('message', (_topic, payload) => resolve(payload.toString())));
    await late.subscribeAsync(`${shelly}/online`);
    expect(await retained).toBe('false');
  });

  it('says in one line why an embedded broker with accounts refuses it, and gives up instead of looping', async () => {
    const hub = await hubWith({ base: SECURE_BASE_CONFIG });
    const anonymous: string[] = [];
    const refusedLogin = await simulate(hub, { kind: 'shelly', devices: '2', rate: '5' }, anonymous);
    await refusedLogin.allFailed;
    expect(anonymous.filter((l) => /refused the login/.test(l))).toEqual([
      expect.stringMatching(/^sim-shelly-\d: mqtt:\/\/127\.0\.0\.1:\d+ refused the login without a username \(Bad username or password\); the device stops\. .*mqtt\.allow_anonymous: true/),
    ]);

    // With a device account the login works, but Shelly topics lie outside hearth/<id>/.
    const { body } = await post(hub, '/api/devices', { id: 'someone' });
    const lines: string[] = [];
    const refusedTopic = await simulate(hub, { kind: 'shelly', devices: '1', rate: '5', broker: hub.mqttUrl, username: 'someone', password: body.mqtt.password }, lines);
    await refusedTopic.allFailed;
    expect(lines).toContainEqual(`sim-shelly-1: ${hub.mqttUrl} closes the connection each time ${shelly} publishes to ${shelly}/online, so it refuses that topic; the device stops. ${refusedTopic.devices[0]!.refusalHint}`);
  });
});

describe('the hearth simulate command', () => {
  it('runs devices until SIGTERM, reusing accounts of an earlier run, then exits 0 and leaves them offline', async () => {
    const hub = await hubWith({ base: SECURE_BASE_CONFIG });
    // As if an earlier run had made this one: its password is rotated, not refused.
    expect((await post(hub, '/api/devices', { id: 'sim-esp32-1' })).status).toBe(201);
    const { child, lines, closed } = run(process.execPath, [BIN, 'simulate', '--kind', 'esp32', '--devices', '3', '--rate', '2', '--config', join(hub.dir, 'hearth.yaml')], {
      HEARTH_MQTT_PORT: String(hub.hub.mqttPort),
    });
    const ids = ['sim-esp32-1', 'sim-esp32-2', 'sim-esp32-3'];
    for (const id of ids) await eventually(async () => typeof (await state(hub, `sensor.${id.replaceAll('-', '_')}_temperature`)) === 'number', 15_000);
    expect(lines[0]).toMatch(/^sim: 3 device accounts ready in .*data/);
    expect(lines.slice(1, 4)).toEqual(ids.map((id) => expect.stringMatching(new RegExp(`^${id}: ESP32 sensor`))));

    const ack = await post(hub, '/api/entities/switch.sim_esp32_3_output/commands', { value: true });
    expect(ack.body).toMatchObject({ ok: true, value: true });

    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    expect(lines.at(-1)).toMatch(/^sim: stopped 3 devices, \d+ messages sent, 1 ack, 0 reconnects$/);
    for (const id of ids) expect((await hub.get(`/api/devices/${id}`)).body.online).toBe(false);
  }, 30_000);

  it('names a bad option', async () => {
    const { lines, closed } = run(process.execPath, [BIN, 'simulate', '--kind', 'toaster'], {});
    expect(await closed).toBe(2);
    expect(lines.join('\n')).toMatch(/--kind: expected one of pico, esp32, shelly, got "toaster"/);
  });
});

describe('npm run demo', () => {
  it('starts the hub with simulated devices whose values are live at once, and stops cleanly on Ctrl-C', async () => {
    const { child, lines, closed } = run('npm', ['run', '--silent', 'demo'], { HEARTH_HTTP_PORT: '0', HEARTH_MQTT_PORT: '0', HEARTH_DATA_DIR: tempDir() });
    const api = await eventually(() => lines.map((l) => /^Hearth demo: open (http:\/\/127\.0\.0\.1:\d+)\//.exec(l)?.[1]).find(Boolean), 20_000);
    const get = async (entityId: string) => {
      const response = await fetch(`${api}/api/states/${entityId}`);
      return response.ok ? ((await response.json()) as { state: unknown }).state : undefined;
    };
    for (const entityId of ['sensor.sim_esp32_1_temperature', 'sensor.sim_esp32_2_humidity', 'sensor.sim_pico_1_baseline', 'sensor.sim_pico_3_rssi', 'number.sim_pico_2_threshold']) {
      expect(await eventually(() => get(entityId), 5000)).toEqual(expect.any(Number));
    }
    // Someone walks past one of the three hallway sensors within seconds.
    await eventually(async () => {
      const distances = await Promise.all([1, 2, 3].map((n) => get(`sensor.sim_pico_${n}_distance`)));
      return distances.some((d) => typeof d === 'number');
    }, 10_000);

    // Ctrl-C: the terminal signals the whole foreground group (npm, its shell and the hub).
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    process.kill(-child.pid!, 'SIGINT');
    await closed;
    // npm ends any script it was interrupted in by re-raising the signal on itself; the hub
    // inside stopped cleanly: devices offline, then the hub, then exit(0) (a hang would log "did not stop").
    expect(await exited).toBe('SIGINT');
    const stoppedAt = lines.findIndex((l) => l.startsWith('sim: stopped 5 devices'));
    expect(stoppedAt).toBeGreaterThan(0);
    expect(lines.slice(stoppedAt + 1).map((l) => JSON.parse(l).msg)).toEqual(expect.arrayContaining(['hub stopped']));
    expect(lines.some((l) => l.includes('did not stop'))).toBe(false);
  }, 45_000);
});
