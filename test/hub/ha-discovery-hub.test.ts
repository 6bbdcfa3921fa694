import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startHub, type TestHub } from '../support/hub.ts';

// An ESPHome-style temperature sensor (abbreviated keys, as ESPHome sends them).
const CONFIG = {
  dev_cla: 'temperature',
  unit_of_meas: '°C',
  stat_cla: 'measurement',
  name: 'Temperature',
  stat_t: 'livingroom/sensor/temperature/state',
  avty_t: 'livingroom/status',
  uniq_id: 'ESPsensortemperature',
  dev: { ids: '24a160f1c2d4', name: 'livingroom', sw: 'esphome v2024.6.0', mdl: 'esp32dev', mf: 'espressif' },
};

describe('Home Assistant discovery in the running hub', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  const publishEsphome = async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    await client.publishAsync('homeassistant/sensor/livingroom/temperature/config', JSON.stringify(CONFIG), { qos: 1, retain: true });
    await client.publishAsync('livingroom/status', 'online', { qos: 1, retain: true });
    await new Promise((r) => setTimeout(r, 100));
    await client.publishAsync('livingroom/sensor/temperature/state', '21.4', { qos: 1 });
    await client.endAsync();
  };

  it('makes an ESPHome sensor appear with its live value', async () => {
    hub = await startHub();
    await publishEsphome();
    const entity = await eventually(async () => (await hub.get('/api/entities')).body.items[0]);
    expect(entity).toMatchObject({ plugin: 'ha-discovery', kind: 'sensor', unit: '°C', device_class: 'temperature', unique_id: 'ESPsensortemperature' });
    await eventually(async () => (await hub.get(`/api/states/${entity.entity_id}`)).body.state === 21.4);
    expect((await hub.get(`/api/devices/${entity.device_id}`)).body).toMatchObject({ name: 'livingroom', model: 'esp32dev', online: true });
  });

  it('ignores discovery when switched off', async () => {
    hub = await startHub({ yaml: 'discovery: { home_assistant: false }\n' });
    await publishEsphome();
    await new Promise((r) => setTimeout(r, 200));
    expect((await hub.get('/api/entities')).body.items).toEqual([]);
  });

  it('sends commands to a discovered switch and takes its reported state as the acknowledgement', async () => {
    hub = await startHub();
    // Tasmota's relay, as xdrv_12_home_assistant.ino announces it (see test/mqtt/ha-discovery.test.ts).
    const plug = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    const config = {
      name: 'Plug', stat_t: 'tele/tasmota_ABC123/STATE', cmd_t: 'cmnd/tasmota_ABC123/POWER', val_tpl: '{{value_json.POWER}}',
      pl_off: 'OFF', pl_on: 'ON', uniq_id: 'ABC123_RL_1', dev: { ids: ['ABC123'] },
    };
    const received: string[] = [];
    let answers = true;
    await plug.subscribeAsync('cmnd/tasmota_ABC123/POWER');
    plug.on('message', (_topic, raw) => {
      received.push(raw.toString());
      if (answers) void plug.publishAsync('tele/tasmota_ABC123/STATE', JSON.stringify({ POWER: raw.toString() }));
    });
    await plug.publishAsync('homeassistant/switch/ABC123/RL_1/config', JSON.stringify(config), { qos: 1, retain: true });
    await plug.publishAsync('tele/tasmota_ABC123/STATE', JSON.stringify({ POWER: 'OFF' }));
    const entity = await eventually(async () => (await hub.get('/api/entities')).body.items.find((e: { kind: string }) => e.kind === 'switch'));
    await eventually(async () => (await hub.get(`/api/states/${entity.entity_id}`)).body.state === false);

    const send = async (body: object) => {
      const response = await fetch(`${hub.api}/api/entities/${entity.entity_id}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    expect(await send({ value: true })).toEqual({ status: 200, body: { id: expect.any(String), ok: true, value: true } });
    expect(received).toEqual(['ON']);
    expect((await hub.get(`/api/states/${entity.entity_id}`)).body.state).toBe(true);

    answers = false;
    const silent = await send({ value: false, timeout_ms: 300 });
    expect(silent.status).toBe(504);
    expect(silent.body.error.message).toBe(`${entity.entity_id} did not report false on tele/tasmota_ABC123/STATE within 0.3 s`);
    expect(received).toEqual(['ON', 'OFF']);
    await plug.endAsync();
  });
});
