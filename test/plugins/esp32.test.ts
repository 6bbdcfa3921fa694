/**
 * plugins/esp32 on the real hub, with MQTT clients sending what
 * firmware/esp32-sensor sends (protocol.cpp: buildAnnounce, buildTelemetry).
 */
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ESP32_ANNOUNCED_ENTITIES } from '../../core/simulate/esp32-device.ts';
import { connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('plugin esp32', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });

  const state = (entityId: string) => hub.get(`/api/states/${entityId}`).then((r) => r.body);

  async function esp32(id: string, entities: readonly object[]) {
    const client = await connectDevice(hub.mqttUrl, id);
    clients.push(client);
    const announcement = { id, name: id, model: 'esp32-sensor', manufacturer: 'Hearth', sw: '1.0.0', offline_after: 180, entities };
    await client.publishAsync(`hearth/${id}/announce`, JSON.stringify(announcement), { qos: 1, retain: true });
    await client.publishAsync(`hearth/${id}/status`, 'online', { qos: 1, retain: true });
    return {
      report: (ts: number, fields: Record<string, number>) =>
        client.publishAsync(`hearth/${id}/telemetry`, JSON.stringify({ ts, temperature: 21.53, humidity: 45.2, gyro_x: 0.1, gyro_y: -0.2, gyro_z: 0, rssi: -61, interval: 60, output: false, ...fields }), { qos: 1 }),
    };
  }

  it('adds acceleration magnitude, vibration and battery_low, from each whole reading', async () => {
    hub = await startHub({ yaml: 'plugins: { esp32: { vibration_threshold: 2, battery_low: 20 } }' });
    const kitchen = await esp32('kitchen', ESP32_ANNOUNCED_ENTITIES);
    const t0 = Date.now();
    await kitchen.report(t0, { accel_x: 0.12, accel_y: -0.05, accel_z: 9.79, battery: 87 });
    await eventually(async () => (await state('sensor.kitchen_acceleration')).state === 9.79);
    expect(hub.hub.entities.get('sensor.kitchen_acceleration')).toMatchObject({ plugin: 'esp32', device_id: 'kitchen', unit: 'm/s²', state_class: 'measurement' });
    expect(hub.hub.entities.get('binary_sensor.kitchen_vibration')).toMatchObject({ plugin: 'esp32', device_class: 'vibration' });
    expect(hub.hub.entities.get('binary_sensor.kitchen_battery_low')).toMatchObject({ plugin: 'esp32', device_class: 'battery' });
    expect(await state('binary_sensor.kitchen_vibration')).toMatchObject({ state: false, last_updated: new Date(t0).toISOString() });
    expect((await state('binary_sensor.kitchen_battery_low')).state).toBe(false);

    // |(6, 4, 12)| = 14 m/s², 4.2 from 1 g; all three axes change in one message, and |a| is taken once from them.
    await kitchen.report(t0 + 1000, { accel_x: 6, accel_y: 4, accel_z: 12, battery: 15 });
    await eventually(async () => (await state('binary_sensor.kitchen_vibration')).state === true);
    expect(await state('sensor.kitchen_acceleration')).toMatchObject({ state: 14, last_updated: new Date(t0 + 1000).toISOString() });
    expect(await state('binary_sensor.kitchen_battery_low')).toMatchObject({ state: true, last_changed: new Date(t0 + 1000).toISOString() });

    // Back at rest.
    await kitchen.report(t0 + 2000, { accel_x: 0, accel_y: 0, accel_z: 9.81, battery: 20 });
    await eventually(async () => (await state('binary_sensor.kitchen_vibration')).state === false);
    expect((await state('binary_sensor.kitchen_battery_low')).state).toBe(false);
    // One |a| per reading, none of a half-updated one (new x with old y and z).
    const history = (await hub.get(`/api/history/sensor.kitchen_acceleration?from=${new Date(t0 - 1000).toISOString()}&to=${new Date(t0 + 5000).toISOString()}`)).body;
    expect(history.points.map((p: { value: number }) => p.value)).toEqual([9.79, 14, 9.81]);
  });

  it("gives an older firmware's bare announce the units and classes, and leaves other devices alone", async () => {
    hub = await startHub({ yaml: 'plugins: { esp32: {} }' });
    const bare = ESP32_ANNOUNCED_ENTITIES.map(({ key, kind }) => ({ key, kind }));
    const old = await esp32('shed', [...bare.filter((e) => e.key !== 'humidity'), { key: 'humidity', kind: 'sensor', unit: 'g/m³', name: 'Absolute humidity' }]);
    await old.report(Date.now(), { accel_x: 0, accel_y: 0, accel_z: 9.8, battery: 50 });
    expect(hub.hub.entities.get('sensor.shed_temperature')).toMatchObject({ name: 'Temperature', unit: '°C', device_class: 'temperature', state_class: 'measurement' });
    expect(hub.hub.entities.get('sensor.shed_accel_x')).toMatchObject({ unit: 'm/s²', device_class: null, state_class: 'measurement' });
    expect(hub.hub.entities.get('sensor.shed_rssi')).toMatchObject({ unit: 'dBm', device_class: 'signal_strength' });
    expect(hub.hub.entities.get('number.shed_interval')).toMatchObject({ name: 'Report interval', unit: 's' });
    // What the device does announce wins.
    expect(hub.hub.entities.get('sensor.shed_humidity')).toMatchObject({ name: 'Absolute humidity', unit: 'g/m³', device_class: 'humidity' });
    // Its readings are numbers all the same, so the derived sensors work.
    await eventually(async () => (await state('sensor.shed_acceleration')).state === 9.8);

    const other = await connectDevice(hub.mqttUrl, 'thermo');
    clients.push(other);
    await other.publishAsync('hearth/thermo/announce', JSON.stringify({ model: 'th-1', entities: [{ key: 'battery', kind: 'sensor', unit: '%' }] }), { qos: 1 });
    await other.publishAsync('hearth/thermo/telemetry', JSON.stringify({ battery: 5 }), { qos: 1 });
    await eventually(async () => (await state('sensor.thermo_battery')).state === 5);
    expect(hub.hub.entities.get('binary_sensor.thermo_battery_low')).toBeUndefined();
    expect(hub.hub.entities.get('sensor.thermo_battery')).toMatchObject({ device_class: null, state_class: null });
  });

  it('judges the readings stored before at start, with the settings of the day', async () => {
    hub = await startHub({ yaml: 'plugins: { esp32: {} }' });
    const kitchen = await esp32('kitchen', ESP32_ANNOUNCED_ENTITIES);
    await kitchen.report(Date.now(), { accel_x: 0, accel_y: 0, accel_z: 9.8, battery: 10 });
    await eventually(async () => (await state('binary_sensor.kitchen_battery_low')).state === true);
    await clients.pop()!.endAsync(true);
    await hub.stop();
    // 10 % is no longer low under the new setting, without waiting for the next reading.
    hub = await startHub({ dir: hub.dir, yaml: 'plugins: { esp32: { battery_low: 5 } }' });
    expect((await state('binary_sensor.kitchen_battery_low')).state).toBe(false);
  });
});
