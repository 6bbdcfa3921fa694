import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

const API = resolve('core/plugin-api.ts');

/**
 * `lamp` counts its setups and stops in module state, which a reload keeps
 * (the module is loaded once); `moody` fails its first setup and works after.
 */
const PLUGINS = {
  'plugins/lamp/index.ts': `
    import { definePlugin } from '${API}';
    let setups = 0;
    let stops = 0;
    export default definePlugin({
      id: 'lamp', version: '1.2.0', hub: '^1.0.0',
      configSchema: { type: 'object', additionalProperties: false, properties: { watts: { type: 'integer', default: 40 } } },
      setup(ctx) {
        setups++;
        ctx.http.get('/info', (c) => c.json({ setups, stops, watts: ctx.config.watts }));
        return () => { stops++; };
      },
    });`,
  'plugins/moody/index.ts': `
    let attempts = 0;
    export default { id: 'moody', version: '0.1.0', hub: '^1.0.0', setup() {
      if (++attempts === 1) throw new Error('woke up on the wrong side');
    } };`,
};

describe('plugins and config through the API', () => {
  let hub: TestHub;
  afterEach(() => hub?.stop());

  it('reloads a plugin: stops it, starts it again with the running config and reports the new status', async () => {
    const dir = tempDir();
    writeFiles(dir, PLUGINS);
    hub = await startHub({ dir, yaml: 'plugins:\n  lamp: { watts: 60 }\n  moody:\n' });
    expect((await call(hub, 'GET', '/api/plugins/lamp/info')).body).toEqual({ setups: 1, stops: 0, watts: 60 });

    const reloaded = await call(hub, 'POST', '/api/plugins/lamp/reload');
    expect(reloaded).toMatchObject({ status: 200, body: { id: 'lamp', version: '1.2.0', status: 'running', attempts: 1, handler_errors: 0 } });
    expect((await call(hub, 'GET', '/api/plugins/lamp/info')).body).toEqual({ setups: 2, stops: 1, watts: 60 });

    const plugins = await call(hub, 'GET', '/api/plugins');
    expect(plugins.body.items.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      ['lamp', 'running'],
      ['moody', 'failed'],
    ]);
    expect((await call(hub, 'POST', '/api/plugins/moody/reload')).body).toMatchObject({ id: 'moody', status: 'running' });
    expect(hub.hub.health().status).toBe('ok');

    expect(await call(hub, 'POST', '/api/plugins/nope/reload')).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found', message: 'no plugin "nope" in the configuration' } },
    });
  });

  it('validates a config sent as YAML or as JSON, with the line and column of each problem, without touching the running one', async () => {
    hub = await startHub();
    const yaml = (text: string) => call(hub, 'POST', '/api/config/validate', text, { 'content-type': 'text/yaml' });

    expect((await yaml('http:\n  port: 8081\n')).body).toEqual({ valid: true, errors: [] });
    expect((await call(hub, 'POST', '/api/config/validate', { yaml: 'name: Cabin\n' })).body).toEqual({ valid: true, errors: [] });

    const broken = await yaml('http:\n  port: [8081\nmqtt: {}\n');
    expect(broken.status).toBe(200);
    expect(broken.body.valid).toBe(false);
    expect(broken.body.errors[0]).toMatchObject({ file: null, line: 3, column: expect.any(Number), path: '', message: expect.stringContaining('invalid YAML') });

    const wrong = await call(hub, 'POST', '/api/config/validate', { yaml: 'name: Cabin\nhttp:\n  prot: 80\n  port: high\nplugins:\n  no-such-plugin:\n' });
    expect(wrong.body).toEqual({
      valid: false,
      errors: [
        { file: null, line: 3, column: 3, path: 'http.prot', message: 'unknown key "prot" (allowed: host, port, cors_origins, max_body_kb) — did you mean "port"?' },
        { file: null, line: 4, column: 9, path: 'http.port', message: 'must be integer' },
      ],
    });

    const plugin = await yaml('plugins:\n  no-such-plugin:\n');
    expect(plugin.body.errors).toEqual([{ file: null, line: null, column: null, path: 'plugins.no-such-plugin', message: expect.stringContaining('no-such-plugin') }]);

    // A value from the environment may be a secret: it is never echoed back.
    process.env.HEARTH_TEST_SECRET = 'hunter2-do-not-show';
    try {
      const fromEnv = await yaml('http:\n  port: ${HEARTH_TEST_SECRET}\n');
      expect(fromEnv.body.errors).toEqual([{ file: null, line: 2, column: 9, path: 'http.port', message: 'must be integer' }]);
      expect(JSON.stringify(fromEnv.body)).not.toContain('hunter2');
    } finally {
      delete process.env.HEARTH_TEST_SECRET;
    }

    expect((await call(hub, 'POST', '/api/config/validate', { yml: 'x' })).body.error.details).toEqual([
      { in: 'body', path: '/yaml', message: 'is required' },
      { in: 'body', path: '/yml', message: 'unknown key "yml" (allowed: yaml) — did you mean "yaml"?' },
    ]);
    expect((await call(hub, 'POST', '/api/config/validate', 'x: 1', { 'content-type': 'text/plain' })).status).toBe(415);

    // The running hub kept its config file and its settings, and no scratch file is left.
    expect(readFileSync(join(hub.dir, 'hearth.yaml'), 'utf8')).not.toContain('8081');
    expect(hub.hub.config.config.name).toBe('Home');
    expect(readdirSync(hub.dir).filter((f) => f.endsWith('.yaml'))).toEqual(['hearth.yaml']);
  });
});
