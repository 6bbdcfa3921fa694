import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('malformed device messages', () => {
  let hub: TestHub;
  let device: MqttClient;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  const warnings = () => hub.logs.filter((l) => l.level === 40 && l.msg.startsWith('rejected MQTT message'));

  it('are rejected with topic and reason while the valid ones around them are kept', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', [
      { key: 'distance', kind: 'sensor', unit: 'cm' },
      { key: 'motion', kind: 'binary_sensor' },
    ]);
    await eventually(async () => (await hub.get('/api/entities')).body.items.length === 2);

    const t0 = Date.now() - 100_000;
    const send = (topic: string, payload: string) => device.publishAsync(topic, payload, { qos: 1 });
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0, distance: 10 }));
    await send('hearth/pico-garage/telemetry', '{"distance": 11,'); // not JSON
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0 + 1000, distance: 12 }));
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0 + 2000, distance: 'far' })); // wrong type
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0 + 3000, distance: 13, humidity: 50 })); // unknown key, distance kept
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: 12345, distance: 14 })); // clock never set
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0 + 4000, motion: 'maybe' }));
    await send('hearth/pico-garage/telemetry', '42');
    await send('hearth/ghost/telemetry', JSON.stringify({ distance: 1 })); // unknown device
    await send('hearth/pico-garage/status', 'sleeping');
    await send('hearth/pico-garage/announce', JSON.stringify({ entities: [{ key: 'x' }] }));
    await send('hearth/pico-garage/telemetry', JSON.stringify({ ts: t0 + 5000, distance: 15 }));

    await eventually(async () => (await hub.get('/api/states/sensor.pico_garage_distance')).body.state === 15);
    const { body: history } = await hub.get(`/api/history/sensor.pico_garage_distance?from=${t0}`);
    expect(history.points.map((p: { value: number }) => p.value)).toEqual([10, 12, 13, 15]);

    const lines = warnings().map((l) => `${l.topic} ${l.reason}: ${l.msg}`);
    expect(lines).toEqual([
      expect.stringMatching(/^hearth\/pico-garage\/telemetry invalid_json: rejected MQTT message on hearth\/pico-garage\/telemetry: not JSON/),
      expect.stringContaining('invalid_value: rejected MQTT message on hearth/pico-garage/telemetry: distance: expects a number in cm, got "far"'),
      expect.stringContaining('unknown_entity: rejected MQTT message on hearth/pico-garage/telemetry: "humidity" was not announced by device "pico-garage"'),
      expect.stringContaining('invalid_timestamp: rejected MQTT message on hearth/pico-garage/telemetry: ts 12345 is before 2001: is the device clock set?'),
      expect.stringContaining('motion: binary_sensor expects true/false or "on"/"off", got "maybe"'),
      expect.stringContaining('invalid_payload: rejected MQTT message on hearth/pico-garage/telemetry: telemetry: expected an object'),
      expect.stringContaining('hearth/ghost/telemetry unknown_device: rejected MQTT message on hearth/ghost/telemetry: unknown device "ghost": announce it first on hearth/ghost/announce'),
      expect.stringContaining('hearth/pico-garage/status invalid_payload: rejected MQTT message on hearth/pico-garage/status: status must be "online" or "offline", got "sleeping"'),
      expect.stringContaining("hearth/pico-garage/announce invalid_payload: rejected MQTT message on hearth/pico-garage/announce: announce: /entities/0 must have required property 'kind'"),
    ]);

    const { body: metrics } = await hub.get('/metrics');
    expect(metrics).toContain('hearth_mqtt_messages_rejected_total{reason="invalid_value"} 2');
    expect(metrics).toContain('hearth_mqtt_messages_rejected_total{reason="invalid_payload"} 3');
    expect(metrics).toContain('hearth_mqtt_messages_rejected_total{reason="unknown_device"} 1');
    expect(metrics).toContain('hearth_mqtt_messages_total{kind="telemetry"} 10');
    // The device still works and the hub is healthy.
    expect((await hub.get('/api/health')).body.status).toBe('ok');
  });

  it('logs a flood of the same mistake once a minute, but counts every one', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'chatty');
    for (let i = 0; i < 50; i++) await device.publishAsync('hearth/chatty/telemetry', 'garbage', { qos: 1 });
    await eventually(async () => (await hub.get('/metrics')).body.includes('hearth_mqtt_messages_rejected_total{reason="unknown_device"} 50'));
    expect(warnings()).toHaveLength(1);
  });

  it('refuses device ids that cannot be topic levels or URL segments', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'weird');
    await device.publishAsync('hearth/bad id!/announce', JSON.stringify({ entities: [] }), { qos: 1 });
    await eventually(() => warnings().length === 1);
    expect(warnings()[0]).toMatchObject({ topic: 'hearth/bad id!/announce', reason: 'invalid_topic' });
    expect((await hub.get('/api/devices')).body).toEqual({ items: [], next_cursor: null });
  });
});
