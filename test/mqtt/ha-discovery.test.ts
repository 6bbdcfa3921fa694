/**
 * Home Assistant discovery end to end: a real embedded broker, real registries
 * on a temp SQLite file, and a real MQTT client publishing the payloads that
 * ESPHome, Tasmota and Zigbee2MQTT send.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/events/bus.ts';
import { createMetrics } from '../../core/metrics.ts';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';
import { HaDiscovery } from '../../core/mqtt/ha-discovery.ts';
import { DeviceRegistry } from '../../core/registry/devices.ts';
import { EntityRegistry } from '../../core/registry/entities.ts';
import { StateMachine } from '../../core/states/state-machine.ts';
import { captureLog, cleanup, openRegistry, tempDbFile, type LogLine } from '../unit/support.ts';

async function eventually<T>(check: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Setup {
  broker: EmbeddedBroker;
  client: MqttClient;
  ha: HaDiscovery;
  devices: DeviceRegistry;
  entities: EntityRegistry;
  states: StateMachine;
  lines: LogLine[];
  metrics: ReturnType<typeof createMetrics>;
  recorded: Array<{ entity: number; value: number }>;
  publish(topic: string, payload: string | object, retain?: boolean): Promise<void>;
  /** publishes a marker on an unrelated topic and waits until everything queued before it was applied */
  settle(): Promise<void>;
}

async function setup(prefix?: string): Promise<Setup> {
  const { log, lines } = captureLog();
  const bus = new EventBus(log);
  const { db } = await openRegistry(tempDbFile());
  const devices = new DeviceRegistry(db, bus);
  const entities = new EntityRegistry(db, bus);
  const recorded: Array<{ entity: number; value: number }> = [];
  const states = new StateMachine(db, entities, bus, (entity, _ts, value) => void recorded.push({ entity, value }));
  const broker = await EmbeddedBroker.start({ host: '127.0.0.1', port: 0, log });
  const metrics = createMetrics({ pendingReadings: () => 0, readingsWritten: () => 0, pluginStatuses: () => [] });
  const ha = new HaDiscovery({ mqtt: broker, devices, entities, states, log, metrics, prefix });
  await ha.start();
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'device-sim', reconnectPeriod: 0 });
  let marker = 0;
  const publish = async (topic: string, payload: string | object, retain = false) => {
    await client.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain });
  };
  const settle = async () => {
    // The registry writes are async: wait for messages published so far to reach the broker, then for writes.
    const n = ++marker;
    let seen = 0;
    const unsubscribe = await broker.subscribe('test/marker', () => void (seen = n));
    await publish('test/marker', String(n));
    await eventually(() => seen === n);
    await unsubscribe();
    await new Promise((r) => setTimeout(r, 50));
  };
  return { broker, client, ha, devices, entities, states, lines, metrics, recorded, publish, settle };
}

// --- Payloads as the firmwares send them -------------------------------------------------------

/*
 * ESPHome, a DHT22 on node "livingroom" (topic_prefix livingroom, MAC a4cf12ab34cd). Built the way
 * esphome/components/mqtt/mqtt_component.cpp (send_discovery_) and mqtt_sensor.cpp (send_discovery)
 * do with the default abbreviated keys of mqtt_const.h: uniq_id "ESP" + component type + object id,
 * dev.ids the MAC as a plain string, avty_t "<topic_prefix>/status" (online/offline are left out as defaults),
 * states published as text with the sensor's accuracy ("21.5"), "nan" when the sensor fails.
 */
const ESPHOME_TEMPERATURE = {
  topic: 'homeassistant/sensor/livingroom/temperature/config',
  payload:
    '{"dev_cla":"temperature","unit_of_meas":"°C","stat_cla":"measurement","name":"Living Room Temperature",' +
    '"stat_t":"livingroom/sensor/temperature/state","avty_t":"livingroom/status","uniq_id":"ESPsensortemperature",' +
    '"dev":{"ids":"a4cf12ab34cd","name":"livingroom","sw":"2024.6.1 (config hash 0x1c3f2a9b)","mdl":"nodemcuv2","mf":"Espressif","cns":[["mac","a4cf12ab34cd"]]}}',
};
const ESPHOME_HUMIDITY = {
  topic: 'homeassistant/sensor/livingroom/humidity/config',
  payload:
    '{"dev_cla":"humidity","unit_of_meas":"%","stat_cla":"measurement","name":"Living Room Humidity",' +
    '"stat_t":"livingroom/sensor/humidity/state","avty_t":"livingroom/status","uniq_id":"ESPsensorhumidity",' +
    '"dev":{"ids":"a4cf12ab34cd","name":"livingroom","sw":"2024.6.1 (config hash 0x1c3f2a9b)","mdl":"nodemcuv2","mf":"Espressif","cns":[["mac","a4cf12ab34cd"]]}}',
};

/*
 * Tasmota, a Sonoff POW R2 plug with topic tasmota_ABC123 (chip id 0xABC123), from
 * tasmota/xdrv_12_home_assistant.ino: HASS_DISCOVER_BASE + HASS_DISCOVER_RELAY + HASS_DISCOVER_DEVICE_INFO_SHORT
 * for the relay (state in tele/<topic>/STATE as {"POWER":"ON"}), HASS_DISCOVER_SENSOR (+ HASS_DISCOVER_DEVICE_INFO)
 * for ENERGY.Power (tele/<topic>/SENSOR), availability on tele/<topic>/LWT with Online/Offline.
 */
const TASMOTA_RELAY = {
  topic: 'homeassistant/switch/ABC123_RL_1/config',
  payload:
    '{"name":"Plug","stat_t":"tele/tasmota_ABC123/STATE","avty_t":"tele/tasmota_ABC123/LWT","pl_avail":"Online","pl_not_avail":"Offline",' +
    '"cmd_t":"cmnd/tasmota_ABC123/POWER","val_tpl":"{{value_json.POWER}}","pl_off":"OFF","pl_on":"ON","uniq_id":"ABC123_RL_1","dev":{"ids":["ABC123"]}}',
};
const TASMOTA_POWER = {
  topic: 'homeassistant/sensor/ABC123_ENERGY_Power/config',
  payload:
    '{"name":"Plug ENERGY Power","stat_t":"tele/tasmota_ABC123/SENSOR","avty_t":"tele/tasmota_ABC123/LWT","pl_avail":"Online","pl_not_avail":"Offline",' +
    '"uniq_id":"ABC123_ENERGY_Power","dev":{"ids":["ABC123"],"name":"Plug","mdl":"Sonoff Pow R2","sw":"8.1.0","mf":"Tasmota"},' +
    '"unit_of_meas":"W","dev_cla":"power","frc_upd":true,"val_tpl":"{{value_json[\'ENERGY\'][\'Power\']}}"}',
};

/*
 * Zigbee2MQTT, an Aqara WSDCGQ11LM named weather_sensor: the payloads its own test expects
 * (Koenkk/zigbee2mqtt test/extensions/homeassistant.test.ts, "Should discover devices"): full key names,
 * one JSON state topic for every entity, availability through the bridge state with a value template.
 */
const Z2M_DEVICE = {
  identifiers: ['zigbee2mqtt_0x0017880104e45522'],
  name: 'weather_sensor',
  model: 'Temperature and humidity sensor',
  model_id: 'WSDCGQ11LM',
  manufacturer: 'Aqara',
  via_device: 'zigbee2mqtt_bridge_0x00124b00120144ae',
};
const Z2M_ORIGIN = { name: 'Zigbee2MQTT', sw: '2.1.0', url: 'https://www.zigbee2mqtt.io' };
const z2m = (field: string, unit: string, deviceClass: string) => ({
  topic: `homeassistant/sensor/0x0017880104e45522/${field}/config`,
  payload: JSON.stringify({
    unit_of_measurement: unit,
    device_class: deviceClass,
    state_class: 'measurement',
    value_template: `{{ value_json.${field} }}`,
    state_topic: 'zigbee2mqtt/weather_sensor',
    object_id: `weather_sensor_${field}`,
    default_entity_id: `sensor.weather_sensor_${field}`,
    unique_id: `0x0017880104e45522_${field}_zigbee2mqtt`,
    origin: Z2M_ORIGIN,
    device: Z2M_DEVICE,
    availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
    enabled_by_default: true,
  }),
});

// -----------------------------------------------------------------------------------------------

describe('HaDiscovery', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(async () => {
    await s.client.endAsync(true);
    await s.ha.stop();
    await s.broker.close();
    cleanup();
  });

  const state = (id: string) => s.states.get(id)?.state;
  const rejections = () => s.lines.filter((l) => l.level === 40 && l.msg.startsWith('rejected MQTT message')).map((l) => `${l.topic} ${l.reason}: ${l.msg}`);

  it('ESPHome: a DHT sensor becomes two numeric sensors with units, states and availability', async () => {
    await s.publish(ESPHOME_TEMPERATURE.topic, ESPHOME_TEMPERATURE.payload, true);
    await s.publish(ESPHOME_HUMIDITY.topic, ESPHOME_HUMIDITY.payload, true);
    // ESPHome publishes its first states right behind the discovery: they must not be lost.
    await s.publish('livingroom/status', 'online', true);
    await s.publish('livingroom/sensor/temperature/state', '21.5', true);
    await s.publish('livingroom/sensor/humidity/state', '48.2', true);
    await eventually(() => state('sensor.a4cf12ab34cd_humidity') === 48.2);

    const device = s.devices.get('a4cf12ab34cd');
    expect(device).toMatchObject({ plugin: 'ha-discovery', name: 'livingroom', manufacturer: 'Espressif', model: 'nodemcuv2', online: true });
    expect(device?.identifiers).toEqual({ mac: 'a4cf12ab34cd', ha: 'a4cf12ab34cd' });
    expect(s.entities.forDevice('a4cf12ab34cd').map((e) => [e.entity_id, e.unique_id, e.key, e.name, e.unit, e.device_class, e.state_class])).toEqual([
      ['sensor.a4cf12ab34cd_humidity', 'ESPsensorhumidity', 'humidity', 'Living Room Humidity', '%', 'humidity', 'measurement'],
      ['sensor.a4cf12ab34cd_temperature', 'ESPsensortemperature', 'temperature', 'Living Room Temperature', '°C', 'temperature', 'measurement'],
    ]);
    expect(state('sensor.a4cf12ab34cd_temperature')).toBe(21.5);

    await s.publish('livingroom/sensor/temperature/state', 'nan');
    await eventually(() => state('sensor.a4cf12ab34cd_temperature') === null);
    await s.publish('livingroom/status', 'offline');
    await eventually(() => s.devices.get('a4cf12ab34cd')?.online === false);
    await s.publish('livingroom/status', 'online');
    await eventually(() => s.devices.get('a4cf12ab34cd')?.online === true);
    expect(rejections()).toEqual([]);
  });

  it('Tasmota: a plug with a relay switch and a power sensor sharing availability', async () => {
    await s.publish(TASMOTA_RELAY.topic, TASMOTA_RELAY.payload, true);
    await s.publish(TASMOTA_POWER.topic, TASMOTA_POWER.payload, true);
    await s.settle();
    expect(s.entities.forDevice('abc123').map((e) => [e.entity_id, e.kind, e.unit])).toEqual([
      ['sensor.abc123_abc123_energy_power', 'sensor', 'W'],
      ['switch.abc123_abc123_rl_1', 'switch', null],
    ]);
    // The relay's short device info must not wipe what the sensor's full one said, in either order.
    expect(s.devices.get('abc123')).toMatchObject({ name: 'Plug', manufacturer: 'Tasmota', model: 'Sonoff Pow R2', sw_version: '8.1.0' });

    await s.publish('tele/tasmota_ABC123/LWT', 'Online');
    await s.publish('tele/tasmota_ABC123/STATE', '{"Time":"2020-06-01T10:00:00","Uptime":"0T00:05:11","Heap":26,"POWER":"ON","Wifi":{"AP":1,"SSId":"home","RSSI":76}}');
    await s.publish('tele/tasmota_ABC123/SENSOR', '{"Time":"2020-06-01T10:00:00","ENERGY":{"TotalStartTime":"2020-01-01T00:00:00","Total":1.234,"Yesterday":0.1,"Today":0.2,"Power":42,"Voltage":231,"Current":0.18}}');
    await eventually(() => state('sensor.abc123_abc123_energy_power') === 42 && state('switch.abc123_abc123_rl_1') === true);
    expect(s.devices.get('abc123')?.online).toBe(true);
    expect(s.states.get('switch.abc123_abc123_rl_1')?.attributes).toEqual({ command_topic: 'cmnd/tasmota_ABC123/POWER', payload_on: 'ON', payload_off: 'OFF' });
    expect(s.ha.discovered('switch.abc123_abc123_rl_1')?.commandTopic).toBe('cmnd/tasmota_ABC123/POWER');

    await s.publish('tele/tasmota_ABC123/STATE', '{"POWER":"OFF"}');
    await eventually(() => state('switch.abc123_abc123_rl_1') === false);
    await s.publish('tele/tasmota_ABC123/LWT', 'Offline');
    await eventually(() => s.devices.get('abc123')?.online === false);
    expect(rejections()).toEqual([]);
  });

  it('Zigbee2MQTT: several entities on one JSON state topic, availability through a value template', async () => {
    for (const c of [z2m('temperature', '°C', 'temperature'), z2m('humidity', '%', 'humidity'), z2m('pressure', 'hPa', 'pressure')]) {
      await s.publish(c.topic, c.payload, true);
    }
    await s.publish('zigbee2mqtt/bridge/state', '{"state":"online"}', true);
    await s.publish('zigbee2mqtt/weather_sensor', '{"battery":97,"humidity":52.1,"linkquality":120,"pressure":1002,"temperature":22.37,"voltage":3005}');
    const id = 'zigbee2mqtt_0x0017880104e45522';
    await eventually(() => state(`sensor.${id}_weather_sensor_pressure`) === 1002);
    expect(s.devices.get(id)).toMatchObject({ name: 'weather_sensor', manufacturer: 'Aqara', via_device_id: 'zigbee2mqtt_bridge_0x00124b00120144ae', online: true });
    expect(s.entities.forDevice(id).map((e) => [e.entity_id, e.unit, e.unique_id])).toEqual([
      [`sensor.${id}_weather_sensor_humidity`, '%', '0x0017880104e45522_humidity_zigbee2mqtt'],
      [`sensor.${id}_weather_sensor_pressure`, 'hPa', '0x0017880104e45522_pressure_zigbee2mqtt'],
      [`sensor.${id}_weather_sensor_temperature`, '°C', '0x0017880104e45522_temperature_zigbee2mqtt'],
    ]);
    expect([state(`sensor.${id}_weather_sensor_temperature`), state(`sensor.${id}_weather_sensor_humidity`)]).toEqual([22.37, 52.1]);

    // A message with only some fields leaves the others as they were.
    await s.publish('zigbee2mqtt/weather_sensor', '{"temperature":22.5}');
    await eventually(() => state(`sensor.${id}_weather_sensor_temperature`) === 22.5);
    expect(state(`sensor.${id}_weather_sensor_humidity`)).toBe(52.1);

    await s.publish('zigbee2mqtt/bridge/state', '{"state":"offline"}');
    await eventually(() => s.devices.get(id)?.online === false);
    expect(rejections()).toEqual([]);
  });

  it('an empty retained config removes the entity from discovery but keeps its registry row and state', async () => {
    await s.publish(ESPHOME_TEMPERATURE.topic, ESPHOME_TEMPERATURE.payload, true);
    await s.publish(ESPHOME_HUMIDITY.topic, ESPHOME_HUMIDITY.payload, true);
    await s.publish('livingroom/sensor/temperature/state', '20.0');
    await s.publish('livingroom/sensor/humidity/state', '40');
    await eventually(() => state('sensor.a4cf12ab34cd_humidity') === 40);

    await s.publish(ESPHOME_TEMPERATURE.topic, '', true);
    await s.settle();
    await s.publish('livingroom/sensor/temperature/state', '25.0');
    await s.publish('livingroom/sensor/humidity/state', '41');
    await eventually(() => state('sensor.a4cf12ab34cd_humidity') === 41);
    await s.settle();
    expect(state('sensor.a4cf12ab34cd_temperature')).toBe(20);
    expect(s.entities.get('sensor.a4cf12ab34cd_temperature')).toBeDefined();
    expect(s.lines.some((l) => l.msg.includes('sensor.a4cf12ab34cd_temperature removed from discovery'))).toBe(true);

    // Discovered again: same entity id, followed again.
    await s.publish(ESPHOME_TEMPERATURE.topic, ESPHOME_TEMPERATURE.payload, true);
    await s.settle();
    await s.publish('livingroom/sensor/temperature/state', '26.0');
    await eventually(() => state('sensor.a4cf12ab34cd_temperature') === 26);
    expect(s.entities.list().filter((e) => e.unique_id === 'ESPsensortemperature')).toHaveLength(1);
  });

  it('device-based discovery with abbreviations, ~, template forms, binary sensor, number and JSON light', async () => {
    await s.publish('homeassistant/device/kitchen/config', {
      dev: { ids: 'ea334450945afc', name: 'Kitchen', mf: 'Bla electronics', mdl: 'xya', sw: '1.0' },
      o: { name: 'bla2mqtt', sw: '2.1', url: 'https://bla2mqtt.example.com/support' },
      '~': 'kitchen',
      stat_t: '~/state',
      avty: [{ t: '~/avail', pl_avail: 'up', pl_not_avail: 'down' }],
      cmps: {
        temp: { p: 'sensor', dev_cla: 'temperature', unit_of_meas: '°C', val_tpl: "{{ value_json['temp'] }}", uniq_id: 'temp01ae_t' },
        deep: { p: 'sensor', unit_of_meas: 'ppm', val_tpl: '{{ value_json.air.co2 }}', uniq_id: 'temp01ae_co2' },
        rounded: { p: 'sensor', unit_of_meas: 'V', val_tpl: '{{ value_json.volt | round(1) }}', uniq_id: 'temp01ae_v' },
        count: { p: 'sensor', stat_cla: 'total_increasing', val_tpl: '{{ value_json.count | int }}', uniq_id: 'temp01ae_n' },
        raw: { p: 'sensor', unit_of_meas: 'lx', stat_t: '~/lux', val_tpl: '{{ value | float }}', uniq_id: 'temp01ae_lx' },
        plain: { p: 'sensor', stat_t: '~/mode', val_tpl: '{{ value }}', uniq_id: 'temp01ae_mode' },
        fancy: { p: 'sensor', val_tpl: '{{ value_json.x | is_defined }}', uniq_id: 'temp01ae_fancy' },
        door: { p: 'binary_sensor', dev_cla: 'door', val_tpl: '{{ value_json.door }}', pl_on: 'open', pl_off: 'shut', uniq_id: 'temp01ae_door' },
        target: { p: 'number', cmd_t: '~/target/set', val_tpl: '{{ value_json.target }}', uniq_id: 'temp01ae_target' },
        lamp: { p: 'light', sch: 'json', stat_t: '~/lamp', cmd_t: '~/lamp/set', uniq_id: 'temp01ae_lamp' },
        fan: { p: 'fan', cmd_t: '~/fan/set', uniq_id: 'temp01ae_fan' },
      },
    });
    await s.settle();
    const id = 'ea334450945afc';
    expect(s.entities.forDevice(id).map((e) => [e.entity_id, e.kind])).toEqual([
      [`binary_sensor.${id}_door`, 'binary_sensor'],
      [`light.${id}_lamp`, 'light'],
      [`number.${id}_target`, 'number'],
      [`sensor.${id}_count`, 'sensor'],
      [`sensor.${id}_deep`, 'sensor'],
      [`sensor.${id}_fancy`, 'sensor'],
      [`sensor.${id}_plain`, 'sensor'],
      [`sensor.${id}_raw`, 'sensor'],
      [`sensor.${id}_rounded`, 'sensor'],
      [`sensor.${id}_temp`, 'sensor'],
    ]);
    expect(s.lines.some((l) => l.level === 20 && l.msg.includes('ignoring fan "fan"'))).toBe(true);

    await s.publish('kitchen/avail', 'up');
    await s.publish('kitchen/state', { temp: 21.4, air: { co2: 612 }, volt: 3.2849, count: '12.9', x: 1, door: 'open', target: 19.5 });
    await s.publish('kitchen/lux', '350.5');
    await s.publish('kitchen/mode', 'eco');
    await s.publish('kitchen/lamp', { state: 'ON', brightness: 200 });
    await eventually(() => state(`light.${id}_lamp`) === true && state(`sensor.${id}_plain`) === 'eco');
    await eventually(() => state(`sensor.${id}_raw`) === 350.5);
    expect({
      temp: state(`sensor.${id}_temp`),
      deep: state(`sensor.${id}_deep`),
      rounded: state(`sensor.${id}_rounded`),
      count: state(`sensor.${id}_count`),
      door: state(`binary_sensor.${id}_door`),
      target: state(`number.${id}_target`),
      fancy: s.states.get(`sensor.${id}_fancy`),
    }).toEqual({ temp: 21.4, deep: 612, rounded: 3.3, count: 12, door: true, target: 19.5, fancy: undefined });
    expect(s.states.get(`number.${id}_target`)?.attributes).toMatchObject({ command_topic: 'kitchen/target/set' });
    expect(s.devices.get(id)?.online).toBe(true);

    const unsupported = s.lines.filter((l) => l.level === 40 && l.msg.includes('is not supported'));
    expect(unsupported.map((l) => l.msg)).toEqual([
      `sensor.${id}_fancy: value template "{{ value_json.x | is_defined }}" is not supported (filter "is_defined"); the entity gets no state`,
    ]);

    await s.publish('kitchen/state', { door: 'shut' });
    await s.publish('kitchen/avail', 'down');
    await eventually(() => state(`binary_sensor.${id}_door`) === false && s.devices.get(id)?.online === false);

    // Re-sending the same config does not warn again.
    await s.publish('homeassistant/device/kitchen/config', {
      dev: { ids: 'ea334450945afc' },
      o: { name: 'bla2mqtt' },
      stat_t: 'kitchen/state',
      cmps: { fancy: { p: 'sensor', val_tpl: '{{ value_json.x | is_defined }}', uniq_id: 'temp01ae_fancy' } },
    });
    await s.settle();
    expect(s.lines.filter((l) => l.level === 40 && l.msg.includes('is not supported'))).toHaveLength(1);
    // …and the components it no longer lists are no longer followed.
    await s.publish('kitchen/state', { temp: 30 });
    await s.settle();
    expect(state(`sensor.${id}_temp`)).toBe(21.4);
  });

  it('rejects malformed configs and bad values through Rejections while the others keep working', async () => {
    await s.publish('homeassistant/sensor/broken/config', '{"stat_t": "x/state",'); // not JSON
    await s.publish('homeassistant/sensor/nostate/config', '{"name":"No state topic","uniq_id":"nostate"}');
    await s.publish('homeassistant/toaster/x/config', '{}');
    await s.publish('homeassistant/sensor/a/b/c/config', '{}');
    await s.publish(ESPHOME_TEMPERATURE.topic, ESPHOME_TEMPERATURE.payload);
    await s.settle();
    await s.publish('livingroom/sensor/temperature/state', 'warm');
    await s.publish('livingroom/sensor/temperature/state', '19.5');
    await eventually(() => state('sensor.a4cf12ab34cd_temperature') === 19.5);
    expect(s.entities.list().map((e) => e.entity_id)).toEqual(['sensor.a4cf12ab34cd_temperature']);
    expect(rejections()).toEqual([
      expect.stringMatching(/^homeassistant\/sensor\/broken\/config invalid_json: rejected MQTT message on homeassistant\/sensor\/broken\/config: not JSON/),
      'homeassistant/sensor/nostate/config invalid_payload: rejected MQTT message on homeassistant/sensor/nostate/config: sensor "nostate": state_topic (stat_t) is missing',
      'homeassistant/toaster/x/config invalid_topic: rejected MQTT message on homeassistant/toaster/x/config: unknown component "toaster"',
      'homeassistant/sensor/a/b/c/config invalid_topic: rejected MQTT message on homeassistant/sensor/a/b/c/config: expected homeassistant/<component>/[<node_id>/]<object_id>/config',
      'livingroom/sensor/temperature/state invalid_value: rejected MQTT message on livingroom/sensor/temperature/state: temperature: expects a number in °C, got "warm"',
    ]);
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toContain('hearth_mqtt_messages_rejected_total{reason="invalid_topic"} 2');
    expect(metrics).toContain('hearth_mqtt_messages_rejected_total{reason="invalid_json"} 1');
  });

  it('never takes over a device another plugin owns', async () => {
    await s.devices.upsert('mqtt', { id: 'abc123', name: 'native device' });
    await s.publish(TASMOTA_RELAY.topic, TASMOTA_RELAY.payload);
    await s.settle();
    expect(s.entities.list()).toEqual([]);
    expect(rejections()).toEqual([
      'homeassistant/switch/ABC123_RL_1/config device_conflict: rejected MQTT message on homeassistant/switch/ABC123_RL_1/config: device id "abc123" already belongs to plugin "mqtt"',
    ]);
  });
});

describe('HaDiscovery prefix and birth message', () => {
  afterEach(() => cleanup());

  it('listens on a configured prefix only and announces itself on <prefix>/status', async () => {
    const { log } = captureLog();
    const broker = await EmbeddedBroker.start({ host: '127.0.0.1', port: 0, log });
    const births: string[] = [];
    await broker.subscribe('+/status', (m) => void births.push(`${m.topic}=${m.payload.toString()}`));
    const bus = new EventBus(log);
    const { db } = await openRegistry(tempDbFile());
    const devices = new DeviceRegistry(db, bus);
    const entities = new EntityRegistry(db, bus);
    const states = new StateMachine(db, entities, bus, () => {});
    const ha = new HaDiscovery({ mqtt: broker, devices, entities, states, log, metrics: createMetrics({ pendingReadings: () => 0, readingsWritten: () => 0, pluginStatuses: () => [] }), prefix: 'custom' });
    await ha.start();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    try {
      await client.publishAsync(ESPHOME_TEMPERATURE.topic, ESPHOME_TEMPERATURE.payload, { qos: 1 });
      await client.publishAsync(ESPHOME_HUMIDITY.topic.replace('homeassistant/', 'custom/'), ESPHOME_HUMIDITY.payload, { qos: 1 });
      await eventually(() => entities.list().length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(entities.list().map((e) => e.entity_id)).toEqual(['sensor.a4cf12ab34cd_humidity']);
      expect(births).toEqual(['custom/status=online']);
    } finally {
      await client.endAsync(true);
      await ha.stop();
      await broker.close();
    }
  });
});
