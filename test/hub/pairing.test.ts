import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SECURE_BASE_CONFIG, startHub, type TestHub } from '../support/hub.ts';

describe('pairing window', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });
  const connect = async (username: string, password: string) => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { username, password, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };
  const openWindow = async (minutes: number) => {
    const response = await fetch(`${hub.api}/api/pairing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes }) });
    return { status: response.status, body: (await response.json()) as { key: string; until: string } };
  };

  it('lets a new device join with the pairing key, announce itself and receive its own account', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    expect((await hub.get('/api/pairing')).body).toEqual({ open: false, until: null });
    await expect(connect('new-pico', 'not-a-key')).rejects.toThrow(/Bad username or password/i);

    const { status, body } = await openWindow(5);
    expect(status).toBe(201);
    expect(body.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Date.parse(body.until) - Date.now()).toBeGreaterThan(4.9 * 60_000);
    expect((await hub.get('/api/pairing')).body.open).toBe(true);

    const joining = await connect('new-pico', body.key);
    await expect(joining.subscribeAsync('hearth/other/credentials')).rejects.toThrow(/Subscribe error/);
    await joining.subscribeAsync('hearth/new-pico/credentials', { qos: 1 });
    const account = new Promise<{ username: string; password: string }>((resolve) => joining.once('message', (_t, raw) => resolve(JSON.parse(raw.toString()))));
    await joining.publishAsync('hearth/new-pico/announce', JSON.stringify({ name: 'New Pico', entities: [{ key: 'd', kind: 'sensor', unit: 'cm' }] }), { qos: 1 });
    const { username, password } = await account;
    expect(username).toBe('new-pico');
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // From now on it is an ordinary device with its own account; the key no longer admits it.
    const device = await connect('new-pico', password);
    await device.publishAsync('hearth/new-pico/telemetry', JSON.stringify({ d: 12 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/sensor.new_pico_d')).body.state === 12);
    await expect(connect('new-pico', body.key)).rejects.toThrow();
    expect((await hub.get('/api/events?type=device_paired')).body.items.map((e: { device_id: string }) => e.device_id)).toEqual(['new-pico']);
  });

  it('lets a pairing device do nothing but announce, and refuses the key once the window is shut', async () => {
    hub = await startHub({ base: SECURE_BASE_CONFIG });
    const { body } = await openWindow(1);
    const joining = await connect('sneaky', body.key);
    const closed = new Promise<void>((resolve) => joining.once('close', () => resolve()));
    void joining.publishAsync('hearth/sneaky/telemetry', '{}', { qos: 1 }).catch(() => undefined);
    await closed;
    expect(hub.logs.some((l) => l.msg.endsWith('(pairing as sneaky) to hearth/sneaky/telemetry'))).toBe(true);

    expect((await fetch(`${hub.api}/api/pairing`, { method: 'DELETE' })).status).toBe(204);
    await expect(connect('late-comer', body.key)).rejects.toThrow(/Bad username or password/i);
    expect((await openWindow(0)).body).toMatchObject({ error: { details: [{ in: 'body', path: '/minutes', message: 'must be >= 1' }] } });
  });
});
