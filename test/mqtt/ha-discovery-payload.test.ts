import { describe, expect, it } from 'vitest';
import {
  deviceIdFor,
  expandAbbreviations,
  parseDiscoveryPayload,
  parseDiscoveryTopic,
  substituteBaseTopic,
} from '../../core/mqtt/ha-discovery-payload.ts';
import { PayloadError } from '../../core/mqtt/native-payloads.ts';
import { thrownBy } from '../unit/support.ts';

describe('HA discovery topics', () => {
  it('splits component, optional node id and object id', () => {
    expect(parseDiscoveryTopic('homeassistant', 'homeassistant/sensor/livingroom/temperature/config')).toEqual({
      component: 'sensor',
      nodeId: 'livingroom',
      objectId: 'temperature',
    });
    expect(parseDiscoveryTopic('homeassistant', 'homeassistant/switch/ABC123_RL_1/config')).toEqual({ component: 'switch', objectId: 'ABC123_RL_1' });
    expect(parseDiscoveryTopic('homeassistant', 'homeassistant/device/kitchen/config')).toEqual({ component: 'device', objectId: 'kitchen' });
    expect(parseDiscoveryTopic('ha', 'ha/sensor/x/config')).toEqual({ component: 'sensor', objectId: 'x' });
  });

  it('ignores other topics under the prefix and rejects malformed config topics', () => {
    expect(parseDiscoveryTopic('homeassistant', 'homeassistant/status')).toBeUndefined();
    expect(parseDiscoveryTopic('homeassistant', 'other/sensor/x/config')).toBeUndefined();
    const bad = ['homeassistant/sensor/config', 'homeassistant/a/b/c/d/config', 'homeassistant/toaster/x/config', 'homeassistant/sensor/x y/config'];
    for (const topic of bad) {
      const error = thrownBy(() => parseDiscoveryTopic('homeassistant', topic)) as PayloadError;
      expect(error).toBeInstanceOf(PayloadError);
      expect(error.reason).toBe('invalid_topic');
    }
  });
});

describe('HA abbreviations', () => {
  it('expands the options, the device, the origin, availability entries and components', () => {
    const expanded = expandAbbreviations({
      '~': 'base',
      name: 'T',
      uniq_id: 'u',
      obj_id: 'o',
      stat_t: 's',
      cmd_t: 'c',
      val_tpl: 'v',
      unit_of_meas: '°C',
      dev_cla: 'temperature',
      stat_cla: 'measurement',
      avty_t: 'a',
      avty_mode: 'all',
      pl_avail: 'up',
      pl_not_avail: 'down',
      pl_on: '1',
      pl_off: '0',
      stat_on: 'yes',
      stat_off: 'no',
      json_attr_t: 'j',
      something_new: 42,
      avty: [{ t: 't1', pl_avail: 'y', val_tpl: '{{ value }}' }],
      dev: { ids: ['id1'], name: 'N', mf: 'M', mdl: 'X', sw: '1.0', cns: [['mac', 'aa']], via_device: 'hub' },
      o: { name: 'fw', sw: '2.0', url: 'https://x' },
      cmps: { c1: { p: 'sensor', stat_t: 'cs' } },
    });
    expect(expanded).toEqual({
      '~': 'base',
      name: 'T',
      unique_id: 'u',
      object_id: 'o',
      state_topic: 's',
      command_topic: 'c',
      value_template: 'v',
      unit_of_measurement: '°C',
      device_class: 'temperature',
      state_class: 'measurement',
      availability_topic: 'a',
      availability_mode: 'all',
      payload_available: 'up',
      payload_not_available: 'down',
      payload_on: '1',
      payload_off: '0',
      state_on: 'yes',
      state_off: 'no',
      json_attributes_topic: 'j',
      something_new: 42,
      availability: [{ topic: 't1', payload_available: 'y', value_template: '{{ value }}' }],
      device: { identifiers: ['id1'], name: 'N', manufacturer: 'M', model: 'X', sw_version: '1.0', connections: [['mac', 'aa']], via_device: 'hub' },
      origin: { name: 'fw', sw_version: '2.0', support_url: 'https://x' },
      components: { c1: { platform: 'sensor', state_topic: 'cs' } },
    });
  });

  it('substitutes ~ at the start or the end of topic options only', () => {
    const out = substituteBaseTopic({
      '~': 'homeassistant/light/kitchen',
      state_topic: '~/state',
      command_topic: 'cmd/~',
      name: '~/not-a-topic',
      json_attributes_topic: 'plain/topic',
      availability: [{ topic: '~/avail' }],
    });
    expect(out).toMatchObject({
      state_topic: 'homeassistant/light/kitchen/state',
      command_topic: 'cmd/homeassistant/light/kitchen',
      name: '~/not-a-topic',
      json_attributes_topic: 'plain/topic',
      availability: [{ topic: 'homeassistant/light/kitchen/avail' }],
    });
  });
});

describe('HA discovery payloads', () => {
  const topic = { component: 'sensor', nodeId: 'node', objectId: 'obj' };

  it('defaults unique id to <node_id>_<object_id>, key to the object id and availability payloads to online/offline', () => {
    const [c] = parseDiscoveryPayload('t', topic, Buffer.from('{"stat_t":"x/state","avty_t":"x/status"}')).components;
    expect(c).toMatchObject({ uniqueId: 'node_obj', key: 'obj', stateTopic: 'x/state', payloadOn: 'ON', payloadOff: 'OFF', stateOn: 'ON' });
    expect(c?.availability).toEqual([{ topic: 'x/status', payloadAvailable: 'online', payloadNotAvailable: 'offline', template: undefined }]);
  });

  it('rejects non-JSON, non-objects and a supported component without a state topic', () => {
    const reasons = ['{"stat_t":', '[1]', '{"name":"no state topic"}'].map(
      (p) => (thrownBy(() => parseDiscoveryPayload('t', topic, Buffer.from(p))) as PayloadError).reason,
    );
    expect(reasons).toEqual(['invalid_json', 'invalid_payload', 'invalid_payload']);
    // An unsupported component (a Tasmota trigger) needs no state topic: it is ignored later, not rejected.
    expect(parseDiscoveryPayload('t', { component: 'device_automation', objectId: 'x' }, Buffer.from('{"atype":"trigger"}')).components).toHaveLength(1);
  });

  it('reads device-based payloads: shared options inherited, each component with its platform, bad components reported alone', () => {
    const parsed = parseDiscoveryPayload(
      'homeassistant/device/kitchen/config',
      { component: 'device', objectId: 'kitchen' },
      Buffer.from(
        JSON.stringify({
          dev: { ids: 'ea334450945afc', name: 'Kitchen' },
          o: { name: 'bla2mqtt' },
          '~': 'kitchen',
          stat_t: '~/state',
          cmps: {
            t: { p: 'sensor', unit_of_meas: '°C', val_tpl: '{{ value_json.temperature }}', uniq_id: 'temp01ae_t' },
            own: { p: 'sensor', stat_t: 'elsewhere' },
            broken: { p: 'toaster' },
          },
        }),
      ),
    );
    expect(parsed.components.map((c) => [c.discoveryId, c.component, c.key, c.uniqueId, c.stateTopic])).toEqual([
      ['homeassistant/device/kitchen/config#t', 'sensor', 't', 'temp01ae_t', 'kitchen/state'],
      ['homeassistant/device/kitchen/config#own', 'sensor', 'own', 'kitchen_own', 'elsewhere'],
    ]);
    expect(parsed.components[0]?.device?.identifiers).toEqual(['ea334450945afc']);
    expect(parsed.errors.map((e) => [e.reason, e.field])).toEqual([['invalid_payload', 'broken']]);
  });

  it('slugs the first identifier into the device id alphabet', () => {
    expect(deviceIdFor({ identifiers: ['zigbee2mqtt_0x0017880104E45522'], connections: [] })).toBe('zigbee2mqtt_0x0017880104e45522');
    expect(deviceIdFor({ identifiers: ['Kitchen Plug #2!'], connections: [] })).toBe('kitchen_plug_2');
    expect(deviceIdFor({ identifiers: [], connections: [['mac', 'AA:BB:CC:DD:EE:FF']] })).toBe('aa_bb_cc_dd_ee_ff');
    expect(deviceIdFor({ identifiers: ['x'.repeat(100)], connections: [] })).toHaveLength(64);
    expect(deviceIdFor({ identifiers: ['!!!'], connections: [] })).toBeUndefined();
  });
});
