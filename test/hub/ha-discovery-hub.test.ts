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
    const entity = await eventually(async () => (await hub.get('/api/entities')).body[0]);
    expect(entity).toMatchObject({ plugin: 'ha-discovery', kind: 'sensor', unit: '°C', device_class: 'temperature', unique_id: 'ESPsensortemperature' });
    await eventually(async () => (await hub.get(`/api/states/${entity.entity_id}`)).body.state === 21.4);
    expect((await hub.get(`/api/devices/${entity.device_id}`)).body).toMatchObject({ name: 'livingroom', model: 'esp32dev', online: true });
  });

  it('ignores discovery when switched off', async () => {
    hub = await startHub({ yaml: 'discovery: { home_assistant: false }\n' });
    await publishEsphome();
    await new Promise((r) => setTimeout(r, 200));
    expect((await hub.get('/api/entities')).body).toEqual([]);
  });
});
