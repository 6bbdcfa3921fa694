import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SECURE_BASE_CONFIG, startHub, type TestHub } from '../support/hub.ts';
import { requireMosquitto } from '../support/mosquitto.ts';

const run = promisify(execFile);

describe('MQTT accounts and topic ACLs (embedded broker, default settings)', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });

  const provision = async (id: string, kind = 'generic') => {
    const response = await fetch(`${hub.api}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, kind }) });
    expect(response.status).toBe(201);
    return (await response.json()) as { mqtt: { username: string; password: string; port: number }; secrets_file: { name: string; content: string } | null };
  };
  const connect = async (username?: string, password?: string) => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { username, password, reconnectPeriod: 0, clientId: `c-${username}-${Math.random()}` });
    clients.push(client);
    return client;
  };
  const refusals = () => hub.logs.filter((l) => l.level === 40 && /^refused/.test(l.msg)).map((l) => l.msg);

  it('provisions a device with a one-time password, stored only as a scrypt hash', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const { mqtt: account, secrets_file } = await provision('pico-1', 'pico');
    expect(account).toMatchObject({ username: 'pico-1', port: hub.hub.mqttPort });
    expect(account.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secrets_file?.name).toBe('secrets.py');
    expect(secrets_file?.content).toContain(`MQTT_PASSWORD = "${account.password}"`);

    const db = new Database(join(hub.dir, 'data', 'hearth.db'), { readonly: true });
    const row = db.prepare('SELECT password_hash FROM device_credentials WHERE device_id = ?').get('pico-1') as { password_hash: string };
    db.close();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.password_hash).not.toContain(account.password);
    expect(JSON.stringify(hub.logs)).not.toContain(account.password);

    const device = await connect('pico-1', account.password);
    await device.publishAsync('hearth/pico-1/announce', JSON.stringify({ entities: [{ key: 'd', kind: 'sensor', unit: 'cm' }] }), { qos: 1 });
    await device.publishAsync('hearth/pico-1/telemetry', JSON.stringify({ d: 42 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/sensor.pico_1_d')).body.state === 42);
  });

  it('refuses anonymous clients and wrong passwords, and slows down repeated failures', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const { mqtt: account } = await provision('esp-1');
    await expect(connect()).rejects.toThrow(/Bad username or password/i);
    await expect(connect('esp-1', 'wrong')).rejects.toThrow(/Bad username or password/i);
    await expect(connect('esp-1', 'wrong')).rejects.toThrow();
    await expect(connect('esp-1', 'wrong')).rejects.toThrow();
    const started = Date.now();
    await expect(connect('esp-1', 'wrong')).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    const logins = hub.logs.filter((l) => l.msg.startsWith('refused MQTT login')).map((l) => l.msg);
    expect(logins[0]).toMatch(/^refused MQTT login of client c-undefined-[\d.]+ from [\d.:a-f]+: no username: devices log in with their device id and password/);
    expect(logins[1]).toMatch(/: bad username or password for "esp-1"$/);
    // The right password still works (and resets the slow-down).
    await connect('esp-1', account.password);
  });

  it('lets a device publish only under its own topics and subscribe only to its own commands', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const a = await provision('dev-a');
    await provision('dev-b');
    const device = await connect('dev-a', a.mqtt.password);
    expect((await device.subscribeAsync('hearth/dev-a/cmd/+')).map((g) => g.qos)).toEqual([0]);
    // A refused filter comes back as SUBACK 0x80, which mqtt.js turns into an error.
    await expect(device.subscribeAsync('hearth/dev-b/cmd/+')).rejects.toThrow(/Subscribe error/);
    await expect(device.subscribeAsync('hearth/#')).rejects.toThrow(/Subscribe error/);
    await device.publishAsync('hearth/dev-a/cmd/relay/ack', JSON.stringify({ id: 'x', ok: true }), { qos: 1 });
    expect(device.connected).toBe(true);

    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    void device.publishAsync('hearth/dev-b/telemetry', '{}', { qos: 1 }).catch(() => undefined);
    await closed;
    expect(refusals()).toEqual([
      expect.stringMatching(/^refused subscription of MQTT client c-dev-a-[\d.]+ \(device dev-a\) to hearth\/dev-b\/cmd\/\+$/),
      expect.stringMatching(/^refused subscription of MQTT client .* \(device dev-a\) to hearth\/#$/),
      expect.stringMatching(/^refused publish by MQTT client .* \(device dev-a\) to hearth\/dev-b\/telemetry$/),
    ]);
  });

  it('rotating a password or deleting the device cuts its session at once', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const first = await provision('dev-r');
    let device = await connect('dev-r', first.mqtt.password);
    let closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const rotated = (await (await fetch(`${hub.api}/api/devices/dev-r/credentials`, { method: 'POST' })).json()) as { mqtt: { password: string } };
    await closed;
    expect(rotated.mqtt.password).not.toBe(first.mqtt.password);
    await expect(connect('dev-r', first.mqtt.password)).rejects.toThrow();
    device = await connect('dev-r', rotated.mqtt.password);

    closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    expect((await fetch(`${hub.api}/api/devices/dev-r`, { method: 'DELETE' })).status).toBe(204);
    await closed;
    await expect(connect('dev-r', rotated.mqtt.password)).rejects.toThrow();
    expect((await hub.get('/api/devices/dev-r')).status).toBe(404);
  });

  it('gives Debian mosquitto_pub/mosquitto_sub the same answers', async () => {
    requireMosquitto();
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const { mqtt: account } = await provision('cli-dev');
    const base = ['-h', '127.0.0.1', '-p', String(hub.hub.mqttPort), '-q', '1'];
    await expect(run('mosquitto_pub', [...base, '-t', 'hearth/cli-dev/status', '-m', 'online'])).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|bad user name or password/i) });
    await run('mosquitto_pub', [...base, '-u', 'cli-dev', '-P', account.password, '-t', 'hearth/cli-dev/announce', '-m', JSON.stringify({ entities: [{ key: 't', kind: 'sensor', unit: '°C' }] })]);
    await run('mosquitto_pub', [...base, '-u', 'cli-dev', '-P', account.password, '-t', 'hearth/cli-dev/telemetry', '-m', '{"t": 7.5}']);
    await eventually(async () => (await hub.get('/api/states/sensor.cli_dev_t')).body.state === 7.5);
    // Subscribing to another device's commands: refused by the broker (mosquitto_sub reports the failed SUBACK).
    const sub = await run('mosquitto_sub', [...base, '-u', 'cli-dev', '-P', account.password, '-t', 'hearth/other/cmd/+', '-C', '1', '-W', '2']);
    expect(sub.stderr).toContain('All subscription requests were denied.');
    expect(refusals().some((m) => m.endsWith('(device cli-dev) to hearth/other/cmd/+'))).toBe(true);
  });
});
