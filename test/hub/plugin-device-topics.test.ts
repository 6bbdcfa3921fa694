import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SECURE_BASE_CONFIG, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { requireMosquitto } from '../support/mosquitto.ts';

const API = resolve('core/plugin-api.ts');
const run = promisify(execFile);

/** A vendor plugin as a Shelly one will be: it opens the device's own prefix to the device's account. */
function vendorPlugin(dir: string): void {
  writeFiles(dir, {
    'plugins/vendor/index.ts': `
      import { definePlugin } from '${API}';
      export default definePlugin({
        id: 'vendor', version: '1.0.0', hub: '^1.0.0',
        configSchema: { type: 'object', properties: { device: { type: 'string' }, prefix: { type: 'string' } }, required: ['device', 'prefix'] },
        async setup(ctx) {
          const release = ctx.mqtt.claimDeviceTopics(ctx.config.device, [ctx.config.prefix + '/#']);
          ctx.http.post('/release', (c) => { release(); return c.json({ released: true }); });
          for (const bad of ['hearth/other/#', '#', '+/status', '$SYS/x', 'a/#/b']) {
            try { ctx.mqtt.claimDeviceTopics(ctx.config.device, [bad]); ctx.log.error('claimed ' + bad); }
            catch (e) { ctx.log.info('refused claim: ' + (e as Error).message); }
          }
          await ctx.mqtt.subscribe(ctx.config.prefix + '/status/#', (m) => ctx.log.info('vendor status ' + m.payload.toString()));
        },
      });`,
    'plugins/motion/index.ts': `
      import { definePlugin } from '${API}';
      export default definePlugin({
        id: 'motion', version: '1.0.0', hub: '^1.0.0', configSchema: { type: 'object' },
        setup(ctx) {
          ctx.bus.on('state_changed', async (e) => {
            if (!e.entity_id.endsWith('_distance')) return;
            const device = ctx.entities.get(e.entity_id)!.device_id!;
            const motion = await ctx.entities.upsert({ unique_id: device + '.motion', device_id: device, key: 'motion', kind: 'binary_sensor', device_class: 'motion' });
            ctx.states.set(motion.entity_id, (e.new_state?.state as number) < 100);
          });
        },
      });`,
  });
}

describe('what plugins may do with devices that are not theirs', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });

  const provision = async (id: string) => {
    const response = await fetch(`${hub.api}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
    return ((await response.json()) as { mqtt: { password: string } }).mqtt.password;
  };
  const connect = async (username?: string, password?: string) => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { username, password, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  it('opens the vendor topics a plugin claims to that device account only, until released', async () => {
    const dir = tempDir();
    vendorPlugin(dir);
    hub = await startHub({ dir, base: SECURE_BASE_CONFIG, yaml: 'plugins: { vendor: { device: plug-1, prefix: shellyplug-a1b2 } }' });
    expect(hub.logs.filter((l) => l.msg.startsWith('refused claim')).length).toBe(5);
    expect(hub.logs.some((l) => l.msg.startsWith('claimed'))).toBe(false);
    const plug = await connect('plug-1', await provision('plug-1'));
    const other = await connect('plug-2', await provision('plug-2'));

    await plug.publishAsync('shellyplug-a1b2/status/switch:0', '{"output":true}', { qos: 1 });
    await eventually(() => hub.logs.some((l) => l.msg === 'vendor status {"output":true}'));
    expect((await plug.subscribeAsync('shellyplug-a1b2/rpc')).map((g) => g.qos)).toEqual([0]);
    await expect(other.subscribeAsync('shellyplug-a1b2/rpc')).rejects.toThrow(/Subscribe error/);
    await expect(plug.subscribeAsync('shellyplug-zzzz/rpc')).rejects.toThrow(/Subscribe error/);

    // A second implementation sees the same answers.
    const port = String(hub.hub.mqttPort);
    const password = await provision('plug-3');
    await requireMosquitto();
    const sub = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', port, '-u', 'plug-3', '-P', password, '-t', 'shellyplug-a1b2/rpc', '-C', '1', '-W', '2']).catch((e) => e);
    expect(`${sub.stdout}${sub.stderr}`).toMatch(/denied/i);

    // Once the plugin lets go, the prefix is closed again.
    expect((await fetch(`${hub.api}/api/plugins/vendor/release`, { method: 'POST' })).status).toBe(200);
    await expect(plug.subscribeAsync('shellyplug-a1b2/events/rpc')).rejects.toThrow(/Subscribe error/);
  });

  it('lets a plugin add its own entity to a native device, and ignores informational telemetry fields', async () => {
    const dir = tempDir();
    vendorPlugin(dir);
    hub = await startHub({ dir, yaml: 'plugins: { motion: {} }' });
    const device = await connect();
    await device.publishAsync(
      'hearth/garage/announce',
      JSON.stringify({ model: 'pico-ultrasonic', entities: [{ key: 'distance', kind: 'sensor', unit: 'cm' }] }),
      { qos: 1 },
    );
    const ts = Date.UTC(2026, 10, 23, 3, 1, 2, 345);
    await device.publishAsync(
      'hearth/garage/telemetry',
      JSON.stringify({ ts, device_id: 'garage', date: '2026-11-23', time: '03:01:02', distance: 42.5 }),
      { qos: 1 },
    );
    await eventually(async () => (await hub.get('/api/states/binary_sensor.garage_motion')).body.state === true);
    expect((await hub.get('/api/states/sensor.garage_distance')).body.state).toBe(42.5);
    expect(hub.logs.filter((l) => /rejected/.test(l.msg))).toEqual([]);

    // The device id in the payload must be the topic's; the readings beside it still count.
    await device.publishAsync('hearth/garage/telemetry', JSON.stringify({ device_id: 'porch', distance: 180 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/binary_sensor.garage_motion')).body.state === false);
    expect(hub.logs.some((l) => /device_id "porch" does not match the topic's device id "garage"/.test(l.msg))).toBe(true);

    // The native protocol never takes a plugin's entity for one of the device's own.
    await device.publishAsync('hearth/garage/telemetry', JSON.stringify({ motion: true }), { qos: 1 });
    await eventually(() => hub.logs.some((l) => /"motion" was not announced by device "garage"/.test(l.msg)));
  });
});
