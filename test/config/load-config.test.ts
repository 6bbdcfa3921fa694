import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../core/config/errors.ts';
import { loadConfig } from '../../core/config/load-config.ts';
import { issuesOf, removeFiles, writeFiles } from './helpers.ts';

afterEach(removeFiles);

/** Writes `hearth.yaml` (plus `others`) and loads it with `env`. */
function load(main: string, others: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = writeFiles({ 'hearth.yaml': main, ...others });
  const file = join(dir, 'hearth.yaml');
  return { dir, file, run: () => loadConfig(file, { env }) };
}

describe('defaults', () => {
  it('gives every default for an empty file', () => {
    const { dir, file, run } = load('');
    const loaded = run();
    expect(loaded.file).toBe(file);
    expect(loaded.dir).toBe(dir);
    expect(loaded.config).toEqual({
      name: 'Home',
      log: { level: 'info' },
      http: { port: 8080, cors_origins: [], max_body_kb: 1024 },
      mqtt: { host: '0.0.0.0', port: 1883, allow_anonymous: false },
      storage: { data_dir: join(dir, 'data'), retention: { raw_days: 10, minute_days: 90, events_days: 365, entities: {} } },
      discovery: { home_assistant: true, prefix: 'homeassistant', require_approval: false },
      devices: {},
      plugins: {},
    });
    expect(loaded.plugins).toEqual([]);
  });

  it('treats sections with nothing under them as omitted', () => {
    const { run } = load('http:\n  # port: 9000\nlog:\nplugins:\n');
    const { config } = run();
    expect(config.http).toEqual({ port: 8080, cors_origins: [], max_body_kb: 1024 });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.plugins).toEqual({});
  });

  it('fills the defaults of a partly written section', () => {
    const { config } = load('http:\n  port: 9000\n').run();
    expect(config.http).toEqual({ port: 9000, cors_origins: [], max_body_kb: 1024 });
  });

  it('resolves data_dir against the config file folder', () => {
    const dir = writeFiles({ 'config/hearth.yaml': 'storage:\n  data_dir: ../var/hearth\n' });
    expect(loadConfig(join(dir, 'config/hearth.yaml'), { env: {} }).config.storage.data_dir).toBe(join(dir, 'var/hearth'));
  });

  it('keeps an absolute data_dir', () => {
    expect(load('storage:\n  data_dir: /srv/hearth\n').run().config.storage.data_dir).toBe('/srv/hearth');
  });
});

describe('schema errors', () => {
  it('locates an unknown key at the key itself and suggests the near one', () => {
    const { file, run } = load('name: Test\nhttp:\n  host: 0.0.0.0\n  prot: 8081\n');
    const issues = issuesOf(run);
    expect(issues).toEqual([
      { file, line: 4, col: 3, path: 'http.prot', message: 'unknown key "prot" (allowed: host, port, cors_origins, max_body_kb) — did you mean "port"?' },
    ]);
  });

  it('suggests nothing when no allowed key is close', () => {
    const { file, run } = load('colour: blue\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 1, col: 1, path: 'colour', message: 'unknown key "colour" (allowed: name, timezone, log, http, mqtt, storage, discovery, devices, plugins)' },
    ]);
  });

  it('locates a wrong type at the value', () => {
    const { file, run } = load('name: Test\nhttp:\n  port: abc\n');
    const issues = issuesOf(run);
    expect(issues).toEqual([{ file, line: 3, col: 9, path: 'http.port', message: 'must be integer (got "abc")' }]);
    expect(formatIssue(issues[0]!)).toBe(`${file}:3:9: http.port: must be integer (got "abc")`);
  });

  it('reports a port out of range', () => {
    const { file, run } = load('mqtt:\n  port: 70000\n');
    expect(issuesOf(run)).toEqual([{ file, line: 2, col: 9, path: 'mqtt.port', message: 'must be <= 65535 (got 70000)' }]);
  });

  it('lists the allowed values of an enum', () => {
    const { file, run } = load('log:\n  level: verbose\n');
    expect(issuesOf(run)).toEqual([
      {
        file,
        line: 2,
        col: 10,
        path: 'log.level',
        message: 'must be one of: fatal, error, warn, info, debug, trace, silent (got "verbose")',
      },
    ]);
  });

  it('locates errors inside an included file', () => {
    const { dir, run } = load('http: !include http.yaml\n', { 'http.yaml': 'host: localhost\nport: high\n' });
    expect(issuesOf(run)).toEqual([{ file: join(dir, 'http.yaml'), line: 2, col: 7, path: 'http.port', message: 'must be integer (got "high")' }]);
  });

  it('never prints a value that came from a secret', () => {
    const { file, run } = load('http:\n  port: !secret port\nlog: !secret log\n', {
      'secrets.yaml': 'port: s3cr3t-port\nlog:\n  level: s3cr3t-level\n',
    });
    const issues = issuesOf(run);
    expect(issues).toEqual([
      { file, line: 2, col: 9, path: 'http.port', message: 'must be integer' },
      { file, line: 3, col: 6, path: 'log.level', message: 'must be one of: fatal, error, warn, info, debug, trace, silent' },
    ]);
    expect(new ConfigError(issues).message).not.toContain('s3cr3t');
  });

  it('reports every problem of one load together, in file order', () => {
    const { file, run } = load('name: 5\nlog:\n  level: loud\nhttp:\n  hots: x\n  port: -1\n', {}, { HEARTH_MQTT_PORT: 'many' });
    expect(issuesOf(run).map(formatIssue)).toEqual([
      'environment:HEARTH_MQTT_PORT: mqtt.port: must be integer (got "many")',
      `${file}:1:7: name: must be string (got 5)`,
      `${file}:3:10: log.level: must be one of: fatal, error, warn, info, debug, trace, silent (got "loud")`,
      `${file}:5:3: http.hots: unknown key "hots" (allowed: host, port, cors_origins, max_body_kb) — did you mean "host"?`,
      `${file}:6:9: http.port: must be >= 0 (got -1)`,
    ]);
  });

  it('reports a missing config file at line 0', () => {
    const dir = writeFiles({});
    const file = join(dir, 'hearth.yaml');
    const issues = issuesOf(() => loadConfig(file));
    expect(issues).toEqual([{ file, line: 0, col: 0, path: '', message: 'config file not found' }]);
    expect(formatIssue(issues[0]!)).toBe(`${file}: config file not found`);
  });

  it('rejects a file that is not a map', () => {
    const { file, run } = load('- a\n');
    expect(issuesOf(run)).toEqual([{ file, line: 1, col: 1, path: '', message: 'must be object (got a list)' }]);
  });
});

describe('environment overrides', () => {
  it('override the file before validation', () => {
    const env = { HEARTH_HTTP_PORT: '9000', HEARTH_MQTT_PORT: '0', HEARTH_DATA_DIR: '/var/lib/hearth' };
    const { config } = load('http:\n  port: 1\nstorage:\n  data_dir: here\n', {}, env).run();
    expect(config.http.port).toBe(9000);
    expect(config.mqtt.port).toBe(0);
    expect(config.storage.data_dir).toBe('/var/lib/hearth');
  });

  it('resolve a relative HEARTH_DATA_DIR against the config folder, like the file', () => {
    const { dir, run } = load('', {}, { HEARTH_DATA_DIR: 'state' });
    expect(run().config.storage.data_dir).toBe(join(dir, 'state'));
  });

  it('ignore empty variables', () => {
    expect(load('http:\n  port: 1234\n', {}, { HEARTH_HTTP_PORT: '' }).run().config.http.port).toBe(1234);
  });

  it('report a port that is not an integer at the variable', () => {
    const { run } = load('http:\n  port: 1234\n', {}, { HEARTH_HTTP_PORT: '80a' });
    const issues = issuesOf(run);
    expect(issues).toEqual([{ file: 'environment:HEARTH_HTTP_PORT', line: 0, col: 0, path: 'http.port', message: 'must be integer (got "80a")' }]);
    expect(formatIssue(issues[0]!)).toBe('environment:HEARTH_HTTP_PORT: http.port: must be integer (got "80a")');
  });

  it('report a schema error on an overridden value at the variable', () => {
    const { run } = load('http:\n  port: 1234\n', {}, { HEARTH_HTTP_PORT: '70000' });
    expect(issuesOf(run)).toEqual([
      { file: 'environment:HEARTH_HTTP_PORT', line: 0, col: 0, path: 'http.port', message: 'must be <= 65535 (got 70000)' },
    ]);
  });
});

describe('plugins', () => {
  const pluginSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      interval: { type: 'integer', minimum: 1, default: 30 },
      color: { type: 'string' },
      units: { enum: ['metric', 'imperial'], default: 'metric' },
    },
  };

  it('lists each plugin with its own options, reserved keys taken out', () => {
    const main = 'plugins:\n  system-monitor:\n  weather:\n    package: hearth-plugin-weather\n    enabled: false\n    city: Oslo\n';
    const { plugins, config } = load(main).run();
    expect(plugins).toEqual([
      { id: 'system-monitor', enabled: true, config: {} },
      { id: 'weather', package: 'hearth-plugin-weather', enabled: false, config: { city: 'Oslo' } },
    ]);
    expect(config.plugins.weather).toEqual({ package: 'hearth-plugin-weather', enabled: false, city: 'Oslo' });
  });

  it('rejects a bad plugin id at its key and a bad reserved key at its value', () => {
    const { file, run } = load('plugins:\n  Weather: {}\n  ok:\n    enabled: yes\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 2, col: 3, path: 'plugins.Weather', message: 'invalid key "Weather": must match pattern "^[a-z0-9][a-z0-9_-]*$"' },
      { file, line: 4, col: 14, path: 'plugins.ok.enabled', message: 'must be boolean (got "yes")' },
    ]);
  });

  it('validates a plugin config against its schema, filling defaults in a copy', () => {
    const loaded = load('plugins:\n  example:\n    interval: 10\n').run();
    const entry = loaded.plugins[0]!;
    expect(loaded.validatePlugin('example', pluginSchema, entry.config)).toEqual({ interval: 10, units: 'metric' });
    expect(entry.config).toEqual({ interval: 10 });
  });

  it('fills defaults for a plugin listed with no options', () => {
    const loaded = load('plugins:\n  example:\n').run();
    expect(loaded.validatePlugin('example', pluginSchema, loaded.plugins[0]!.config)).toEqual({ interval: 30, units: 'metric' });
  });

  it('locates a plugin config error under plugins.<id>', () => {
    const loaded = load('plugins:\n  example:\n    enabled: true\n    interval: often\n    colour: red\n').run();
    const issues = issuesOf(() => loaded.validatePlugin('example', pluginSchema, loaded.plugins[0]!.config));
    expect(issues).toEqual([
      { file: loaded.file, line: 4, col: 15, path: 'plugins.example.interval', message: 'must be integer (got "often")' },
      {
        file: loaded.file,
        line: 5,
        col: 5,
        path: 'plugins.example.colour',
        message: 'unknown key "colour" (allowed: interval, color, units) — did you mean "color"?',
      },
    ]);
  });

  it('throws a plain Error for an invalid plugin schema', () => {
    const loaded = load('plugins:\n  example:\n').run();
    const bad = { type: 'object', properties: { x: { type: 'string', colour: 'red' } } };
    expect(() => loaded.validatePlugin('example', bad, {})).toThrow(
      new Error('plugin "example" has an invalid configSchema: strict mode: unknown keyword: "colour"'),
    );
  });
});
