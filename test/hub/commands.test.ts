import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('POST /api/entities/:entity_id/commands', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });

  const post = async (entityId: string, body: unknown) => {
    const response = await fetch(`${hub.api}/api/entities/${entityId}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** A device like the ESP32 firmware: a relay and a report interval, acking what it applies. */
  async function esp32(id: string, acks = true): Promise<Array<{ topic: string; payload: any }>> {
    const device = await connectDevice(hub.mqttUrl, id);
    clients.push(device);
    const received: Array<{ topic: string; payload: any }> = [];
    await device.subscribeAsync(`hearth/${id}/cmd/+`, { qos: 1 });
    device.on('message', (topic, raw) => {
      const payload = JSON.parse(raw.toString());
      received.push({ topic, payload });
      if (!acks) return;
      const key = topic.split('/')[3];
      const ack = key === 'interval' && payload.value > 3600 ? { id: payload.id, ok: false, error: 'interval must be at most 3600 s' } : { id: payload.id, ok: true, value: payload.value };
      void device.publishAsync(`${topic}/ack`, JSON.stringify(ack), { qos: 1 });
    });
    await announce(device, id, [
      { key: 'relay', kind: 'switch' },
      { key: 'interval', kind: 'number', unit: 's' },
      { key: 'temp', kind: 'sensor', unit: '°C' },
    ]);
    await eventually(async () => (await hub.get(`/api/devices/${id}`)).body.entities?.length === 3);
    return received;
  }

  it('delivers the command, returns the ack and takes the confirmed value as state', async () => {
    hub = await startHub();
    const received = await esp32('esp-1');
    const { status, body } = await post('switch.esp_1_relay', { value: 'on' });
    expect(status).toBe(200);
    expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{12}$/), ok: true, value: true });
    expect(received).toEqual([{ topic: 'hearth/esp-1/cmd/relay', payload: { id: body.id, value: true } }]);
    expect((await hub.get('/api/states/switch.esp_1_relay')).body.state).toBe(true);

    const refused = await post('number.esp_1_interval', { value: 99_999 });
    expect(refused).toEqual({ status: 200, body: { id: expect.any(String), ok: false, error: 'interval must be at most 3600 s' } });

    const { body: log } = await hub.get('/api/events?type=command');
    expect(log.items.map((e: { entity_id: string; data: { ok: boolean } }) => [e.entity_id, e.data.ok])).toEqual([
      ['number.esp_1_interval', false],
      ['switch.esp_1_relay', true],
    ]);
  });

  it('answers 504 when the device does not acknowledge, 409 when it is offline', async () => {
    hub = await startHub();
    const received = await esp32('mute', false);
    const timeout = await post('switch.mute_relay', { value: true, timeout_ms: 300 });
    expect(timeout.status).toBe(504);
    expect(timeout.body.error).toEqual({ code: 'timeout', message: expect.stringMatching(/^device "mute" did not acknowledge command [0-9a-f]{12} within 0\.3 s$/) });
    expect(received).toHaveLength(1);

    await clients[0]!.publishAsync('hearth/mute/status', 'offline', { qos: 1 });
    await eventually(async () => (await hub.get('/api/devices/mute')).body.online === false);
    const offline = await post('switch.mute_relay', { value: true });
    expect(offline).toEqual({ status: 409, body: { error: { code: 'offline', message: 'device "mute" is offline' } } });
    expect(received).toHaveLength(1);
  });

  it('refuses commands an entity cannot take, with the reason', async () => {
    hub = await startHub();
    await esp32('esp-2');
    expect((await post('sensor.esp_2_temp', { value: 1 })).body.error).toEqual({
      code: 'unsupported',
      message: 'sensor.esp_2_temp is a sensor, which takes no commands (commandable: switch, light, number, select, text, button)',
    });
    expect(await post('switch.esp_2_relay', { value: 'maybe' })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_value', message: 'switch.esp_2_relay (switch) takes true/false or "on"/"off", got "maybe"' } },
    });
    expect((await post('switch.esp_2_relay', '{"value": tru')).body.error.code).toBe('invalid_json');
    expect((await post('switch.esp_2_relay', { valeu: true })).body.error.details).toEqual([
      { in: 'body', path: '/valeu', message: 'unknown key "valeu" (allowed: value, timeout_ms) — did you mean "value"?' },
    ]);
    expect((await post('switch.nope', { value: true })).status).toBe(404);
  });
});
