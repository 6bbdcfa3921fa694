import { resolve } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';

const API = resolve('core/plugin-api.ts');

/** Real plugin folders, as a user would put them beside their config. */
function pluginFolders(dir: string): void {
  writeFiles(dir, {
    'plugins/counter/index.ts': `
      import { definePlugin } from '${API}';
      export default definePlugin({
        id: 'counter', version: '1.0.0', hub: '^1.0.0',
        configSchema: { type: 'object', additionalProperties: false, properties: { step: { type: 'integer', default: 1 } } },
        async setup(ctx) {
          await ctx.devices.upsert({ id: 'counter', name: 'Counter' });
          const entity = await ctx.entities.upsert({ unique_id: 'seen', device_id: 'counter', key: 'seen', kind: 'sensor', state_class: 'total_increasing' });
          let seen = 0;
          ctx.states.set(entity.entity_id, 0);
          ctx.bus.on('state_changed', (e) => {
            if (e.entity_id !== entity.entity_id) ctx.states.set(entity.entity_id, (seen += ctx.config.step));
          });
          await ctx.mqtt.subscribe('custom/+/value', (m) => { ctx.states.set(entity.entity_id, Number(m.payload.toString())); });
          ctx.http.get('/seen', (c) => c.json({ seen, step: ctx.config.step }));
        },
      });`,
    'plugins/thrower/index.ts': `
      import { definePlugin } from '${API}';
      export default definePlugin({
        id: 'thrower', version: '0.1.0', hub: '^1.0.0', configSchema: { type: 'object' },
        async setup(ctx) {
          await ctx.devices.upsert({ id: 'thrower' });
          const entity = await ctx.entities.upsert({ unique_id: 'x', device_id: 'thrower', key: 'x', kind: 'sensor' });
          ctx.bus.on('state_changed', (e) => { if (e.entity_id !== entity.entity_id) throw new Error('boom'); });
          await ctx.mqtt.subscribe('custom/+/value', () => { throw new Error('bad handler'); });
          ctx.http.get('/fail', () => { throw new Error('route broke'); });
          ctx.states.set(entity.entity_id, 'ready');
        },
      });`,
    'plugins/intruder/index.ts': `
      import { NotReadyError } from '${API}';
      export default { id: 'intruder', version: '1.0.0', hub: '^1.0.0', async setup(ctx) {
        if (!ctx.devices.get('counter')) throw new NotReadyError('waiting for counter');
        await ctx.entities.upsert({ unique_id: 'steal', device_id: 'counter', key: 'seen', kind: 'sensor' });
      } };`,
    'plugins/broken/index.ts': `
      export default { id: 'broken', version: '1.0.0', hub: '^1.0.0', setup() { throw new Error('cannot reach the thing'); } };`,
    'plugins/flaky/index.ts': `
      import { NotReadyError } from '${API}';
      let attempts = 0;
      export default { id: 'flaky', version: '1.0.0', hub: '^1.0.0', setup() {
        if (++attempts < 3) throw new NotReadyError('device still booting');
      } };`,
    'plugins/locked/index.ts': `
      import { PluginConfigError } from '${API}';
      export default { id: 'locked', version: '1.0.0', hub: '^1.0.0', setup() { throw new PluginConfigError('camera answered 401'); } };`,
    'plugins/npm-style/index.ts': `
      class PluginConfigError extends Error { name = 'PluginConfigError'; }
      export default { id: 'npm-style', version: '1.0.0', hub: '^1.0.0', setup() { throw new PluginConfigError('token expired'); } };`,
    'plugins/future/index.ts': `
      export default { id: 'future', version: '1.0.0', hub: '^2.0.0', setup() {} };`,
    'plugins/picky/index.ts': `
      export default { id: 'picky', version: '1.0.0', hub: '^1.0.0', setup() {},
        configSchema: { type: 'object', additionalProperties: false, properties: { interval: { type: 'integer' } } } };`,
  });
}

const CONFIG = `
plugins:
  counter:
    step: 2
  thrower:
  broken:
  flaky:
  locked:
  npm-style:
  future:
  picky:
    intervall: 5
  missing:
  resting:
    enabled: false
`;

describe('plugin host', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('keeps the hub and the healthy plugins running whatever the others do', async () => {
    const dir = tempDir();
    pluginFolders(dir);
    hub = await startHub({ dir, yaml: CONFIG, timing: { retryBaseMs: 20 } });

    const { body: health } = await hub.get('/api/health');
    expect(health.status).toBe('degraded');
    const status = (id: string) => health.plugins[id];
    expect(status('counter')).toMatchObject({ status: 'running', version: '1.0.0', handler_errors: 0 });
    expect(status('thrower')).toMatchObject({ status: 'running' });
    expect(status('broken')).toMatchObject({ status: 'failed', error: 'setup failed: cannot reach the thing' });
    expect(status('locked')).toMatchObject({ status: 'failed', error: 'bad configuration or credentials: camera answered 401' });
    expect(status('npm-style')).toMatchObject({ status: 'failed', error: 'bad configuration or credentials: token expired' });
    expect(status('future').status).toBe('failed');
    expect(status('future').error).toContain('needs hub API ^2.0.0, this hub provides 1.0.0');
    expect(status('picky').status).toBe('failed');
    expect(status('picky').error).toMatch(/hearth\.yaml:\d+:\d+: plugins\.picky\.intervall: unknown key "intervall".*did you mean "interval"/);
    expect(status('missing').status).toBe('failed');
    expect(status('missing').error).toContain('not found: no index.ts/index.js in');
    expect(status('resting').status).toBe('disabled');

    // Not ready: retried with backoff until it starts.
    const flaky = await eventually(async () => {
      const p = (await hub.get('/api/health')).body.plugins.flaky;
      return p.status === 'running' ? p : undefined;
    });
    expect(flaky.attempts).toBe(3);
    expect(hub.logs.filter((l) => l.msg.startsWith('plugin flaky not ready (device still booting)'))).toHaveLength(2);
  });

  it('isolates throwing handlers: the other listeners still run, the throws are counted and logged', async () => {
    const dir = tempDir();
    pluginFolders(dir);
    hub = await startHub({ dir, yaml: 'plugins: { counter: {}, thrower: {} }' });
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    await client.publishAsync('custom/a/value', '40', { qos: 1 });
    await client.endAsync();

    // thrower's listeners fired and threw for counter's change, counter's own still ran.
    await eventually(async () => (await hub.get('/api/states/sensor.counter_seen')).body.state === 40);
    const thrower = await eventually(async () => {
      const p = (await hub.get('/api/health')).body.plugins.thrower;
      return p.handler_errors >= 2 ? p : undefined;
    });
    expect(thrower.status).toBe('running');
    expect(hub.logs.some((l) => l.msg === 'thrower/state_changed: boom')).toBe(true);
    expect(hub.logs.some((l) => l.msg === 'thrower/mqtt custom/+/value: bad handler')).toBe(true);

    const route = await hub.get('/api/plugins/thrower/fail');
    expect(route).toEqual({ status: 500, body: { error: { code: 'plugin_error', message: 'plugin thrower failed to answer' } } });
    expect((await hub.get('/api/plugins/counter/seen')).body).toEqual({ seen: expect.any(Number), step: 1 });
    expect((await hub.get('/api/plugins/broken/anything')).status).toBe(404);
  });

  it('releases every subscription a plugin made when it stops', async () => {
    const dir = tempDir();
    pluginFolders(dir);
    hub = await startHub({ dir, yaml: 'plugins: { counter: {}, thrower: {} }' });
    // The core's own listeners (the event log) stay; the plugins' two go.
    const coreListeners = hub.hub.bus.listenerCount('state_changed') - 2;
    const throwerErrors = () => hub.hub.plugins.statuses().find((p) => p.id === 'thrower')?.handler_errors;
    const errorsBefore = throwerErrors();
    await hub.hub.plugins.stop();
    expect(hub.hub.bus.listenerCount('state_changed')).toBe(coreListeners);
    expect(hub.hub.plugins.statuses().map((p) => p.status)).toEqual(['stopped', 'stopped']);
    // Their MQTT handlers are gone too: nothing is counted against them any more.
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    await client.publishAsync('custom/a/value', '7', { qos: 1 });
    await client.endAsync();
    await new Promise((r) => setTimeout(r, 100));
    expect((await hub.get('/api/states/sensor.counter_seen')).body.state).not.toBe(7);
    expect(throwerErrors()).toBe(errorsBefore);
  });

  it('runs the shipped example plugin', async () => {
    hub = await startHub({ yaml: 'plugins: { system-monitor: { interval_seconds: 5 } }' });
    const { body } = await hub.get('/api/devices/hub_host');
    expect(body.entities.map((e: { entity_id: string }) => e.entity_id).sort()).toEqual([
      'sensor.hub_host_hub_memory',
      'sensor.hub_host_load_1m',
      'sensor.hub_host_memory_used',
      'sensor.hub_host_uptime',
    ]);
    expect(body.entities.find((e: { key: string }) => e.key === 'hub_memory').state.state).toBeGreaterThan(10);
    expect((await hub.get('/api/plugins/system-monitor/snapshot')).body).toHaveProperty('memory_used');
  });
});

describe('plugin boundaries', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('a plugin cannot attach entities to, or set states of, what another plugin owns', async () => {
    const dir = tempDir();
    pluginFolders(dir);
    hub = await startHub({ dir, yaml: 'plugins: { counter: {}, intruder: {} }', timing: { retryBaseMs: 20 } });
    const intruder = await eventually(async () => {
      const p = (await hub.get('/api/health')).body.plugins.intruder;
      return p.status === 'failed' ? p : undefined;
    });
    expect(intruder).toMatchObject({ status: 'failed', error: 'setup failed: device "counter" belongs to "counter", not to plugin "intruder"' });
    expect((await hub.get('/api/entities')).body.items.map((e: { entity_id: string }) => e.entity_id)).toEqual(['sensor.counter_seen']);
  });
});

describe('plugins from npm', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('loads a hearth-plugin-* package installed beside the config', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'node_modules/hearth-plugin-hello/package.json': JSON.stringify({ name: 'hearth-plugin-hello', version: '2.1.0', type: 'module', main: 'main.js' }),
      'node_modules/hearth-plugin-hello/main.js': `
        export default {
          id: 'hello', version: '2.1.0', hub: '>=1.0.0 <2',
          configSchema: { type: 'object', additionalProperties: false, properties: { greeting: { type: 'string', default: 'hi' } } },
          setup(ctx) { ctx.http.get('/', (c) => c.text(ctx.config.greeting)); },
        };`,
    });
    hub = await startHub({ dir, yaml: 'plugins:\n  hello:\n    package: hearth-plugin-hello\n  absent:\n    package: hearth-plugin-absent\n' });
    const { body } = await hub.get('/api/health');
    expect(body.plugins.hello).toMatchObject({ status: 'running', version: '2.1.0', source: 'package hearth-plugin-hello' });
    expect(body.plugins.absent.status).toBe('failed');
    expect(body.plugins.absent.error).toContain('package "hearth-plugin-absent" is not installed (run `npm install hearth-plugin-absent`');
    expect((await hub.get('/api/plugins/hello/')).body).toBe('hi');
  });
});
