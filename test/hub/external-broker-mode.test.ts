import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startHub, type TestHub } from '../support/hub.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';

describe('the hub as a client of an external Mosquitto', () => {
  let hub: TestHub | undefined;
  let broker: Mosquitto | undefined;
  afterEach(async () => {
    await hub?.stop();
    await broker?.dispose();
  });

  it('reads devices through Mosquitto and sends them commands through it', async () => {
    broker = await startMosquitto({ users: { hearth: 'hub-secret-1', 'esp-x': 'device-secret-2' } });
    hub = await startHub({
      base: `http: { host: 127.0.0.1, port: 0 }\nlog: { level: debug }\nmqtt: { url: "${broker.url}", username: hearth, password: hub-secret-1 }\n`,
    });
    expect(hub.hub.mqttPort).toBeNull();
    expect((await hub.get('/api/health')).body.broker).toEqual({ mode: 'external', status: 'ok' });

    // A device as a separate program (Debian's mosquitto_pub), with its own account.
    const device = { username: 'esp-x', password: 'device-secret-2', qos: 1 as const };
    await broker.pub('hearth/esp-x/announce', JSON.stringify({ entities: [{ key: 't', kind: 'sensor', unit: '°C' }, { key: 'relay', kind: 'switch' }] }), { ...device, retain: true });
    await eventually(async () => (await hub!.get('/api/entities')).body.items.length === 2);
    await broker.pub('hearth/esp-x/telemetry', JSON.stringify({ t: 19.25 }), device);
    await eventually(async () => (await hub!.get('/api/states/sensor.esp_x_t')).body.state === 19.25);

    // A command travels hub → Mosquitto → device, and the ack back.
    const client = await mqtt.connectAsync(broker.url, { username: 'esp-x', password: 'device-secret-2', reconnectPeriod: 0 });
    await client.subscribeAsync('hearth/esp-x/cmd/+', { qos: 1 });
    client.on('message', (topic, raw) => {
      const { id, value } = JSON.parse(raw.toString()) as { id: string; value: boolean };
      void client.publishAsync(`${topic}/ack`, JSON.stringify({ id, ok: true, value }), { qos: 1 });
    });
    const response = await fetch(`${hub.api}/api/entities/switch.esp_x_relay/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: true }),
    });
    expect(await response.json()).toMatchObject({ ok: true, value: true });
    await client.endAsync();

    expect(JSON.stringify(hub.logs)).not.toContain('hub-secret-1');
    expect(hub.logs.some((l) => l.msg.startsWith('MQTT: client of the external broker mqtt://'))).toBe(true);
  });

  it('refuses to start with wrong credentials, saying so', async () => {
    broker = await startMosquitto({ users: { hearth: 'right' } });
    await expect(
      startHub({ base: `http: { host: 127.0.0.1, port: 0 }\nmqtt: { url: "${broker.url}", username: hearth, password: wrong }\n` }),
    ).rejects.toThrow("MQTT broker refused the hub's credentials (not authorized)");
  });
});
