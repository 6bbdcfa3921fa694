import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/errors.ts';
import { loadYaml } from '../../core/config/load-yaml.ts';
import { issuesOf, removeFiles, writeFiles } from './helpers.ts';

afterEach(removeFiles);

/** Writes `main.yaml` (plus `others`) and loads it with `env`. */
function load(main: string, others: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = writeFiles({ 'main.yaml': main, ...others });
  const file = join(dir, 'main.yaml');
  return { dir, file, run: () => loadYaml(file, { env }) };
}

describe('locations', () => {
  it('records where every value and key was written, 1-based', () => {
    const { file, run } = load('http:\n  port: 8080\nlist:\n  - a\n  - b\nempty:\n');
    const yaml = run();
    expect(yaml.value).toEqual({ http: { port: 8080 }, list: ['a', 'b'], empty: null });
    expect(yaml.locate(['http', 'port'])).toEqual({ file, line: 2, col: 9 });
    expect(yaml.locateKey(['http', 'port'])).toEqual({ file, line: 2, col: 3 });
    expect(yaml.locate(['list', 1])).toEqual({ file, line: 5, col: 5 });
    // `empty:` has no value to point at, so its key stands in
    expect(yaml.locate(['empty'])).toEqual({ file, line: 6, col: 1 });
    expect(yaml.locate(['list', '1'])).toBeUndefined();
    expect(yaml.locate(['nope'])).toBeUndefined();
  });

  it('places an empty file at its first line', () => {
    const { file, run } = load('# nothing yet\n');
    const yaml = run();
    expect(yaml.value).toBeNull();
    expect(yaml.locate([])).toEqual({ file, line: 1, col: 1 });
  });

  it('keeps a key named __proto__ as a plain key', () => {
    const value = load('__proto__: {polluted: true}\n').run().value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('YAML errors', () => {
  it('reports a duplicate key at the second occurrence', () => {
    const { file, run } = load('http:\n  port: 1\n  port: 2\n');
    expect(issuesOf(run)).toEqual([{ file, line: 3, col: 3, path: 'http.port', message: 'duplicate key (first at line 2)' }]);
  });

  it('reports a syntax error with its line and column', () => {
    const { file, run } = load('name: Home\na: b: c\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 2, col: 4, path: '', message: 'invalid YAML: Nested mappings are not allowed in compact mappings' },
    ]);
  });

  it('reports an unknown tag', () => {
    const { file, run } = load('x: !foo y\n');
    expect(issuesOf(run)).toEqual([{ file, line: 1, col: 4, path: '', message: 'unknown tag !foo (allowed: !secret, !include)' }]);
  });

  it('reports !secret on a list', () => {
    const { file, run } = load('x: !secret [a]\n');
    expect(issuesOf(run)).toEqual([{ file, line: 1, col: 4, path: '', message: '!secret takes a secret name, not a list or map' }]);
  });

  it('reports a missing main file at line 0', () => {
    const dir = writeFiles({});
    const file = join(dir, 'hearth.yaml');
    expect(issuesOf(() => loadYaml(file))).toEqual([{ file, line: 0, col: 0, path: '', message: 'config file not found' }]);
  });
});

describe('!secret', () => {
  it('takes the value from secrets.yaml beside the main file, and marks it secret', () => {
    const { file, run } = load('mqtt:\n  password: !secret mqtt_password\n', { 'secrets.yaml': 'mqtt_password: hunter2\n' });
    const yaml = run();
    expect(yaml.value).toEqual({ mqtt: { password: 'hunter2' } });
    expect(yaml.locate(['mqtt', 'password'])).toEqual({ file, line: 2, col: 13 });
    expect(yaml.isSecret(['mqtt', 'password'])).toBe(true);
    expect(yaml.isSecret(['mqtt'])).toBe(false);
  });

  it('marks everything inside a secret map as secret', () => {
    const yaml = load('db: !secret db\n', { 'secrets.yaml': 'db:\n  user: u\n  pass: p\n' }).run();
    expect(yaml.value).toEqual({ db: { user: 'u', pass: 'p' } });
    expect(yaml.isSecret(['db', 'pass'])).toBe(true);
  });

  it('looks in secrets.yaml beside the main file even from an included file', () => {
    const yaml = load('mqtt: !include parts/mqtt.yaml\n', {
      'parts/mqtt.yaml': 'password: !secret pw\n',
      'secrets.yaml': 'pw: hunter2\n',
    }).run();
    expect(yaml.value).toEqual({ mqtt: { password: 'hunter2' } });
  });

  it('reports a missing key at the tag, naming the secret and the file', () => {
    const { dir, file, run } = load('name: Home\npassword: !secret nope\n', { 'secrets.yaml': 'other: hunter2\n' });
    expect(issuesOf(run)).toEqual([
      { file, line: 2, col: 11, path: 'password', message: `secret "nope" not found in ${join(dir, 'secrets.yaml')}` },
    ]);
  });

  it('reports a missing secrets file at the tag', () => {
    const { dir, file, run } = load('password: !secret pw\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 1, col: 11, path: 'password', message: `secret "pw": secrets file ${join(dir, 'secrets.yaml')} not found` },
    ]);
  });

  it('never quotes a broken secrets file', () => {
    const { run } = load('password: !secret pw\n', { 'secrets.yaml': 'pw: "hunter2\n' });
    const issues = issuesOf(run);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^secret "pw": secrets file .*secrets\.yaml:2:1 is not valid YAML/);
    expect(new ConfigError(issues).message).not.toContain('hunter2');
  });

  it('uses the secretsFile option when given', () => {
    const dir = writeFiles({ 'main.yaml': 'pw: !secret pw\n', 'elsewhere/s.yaml': 'pw: hunter2\n' });
    const yaml = loadYaml(join(dir, 'main.yaml'), { secretsFile: join(dir, 'elsewhere/s.yaml') });
    expect(yaml.value).toEqual({ pw: 'hunter2' });
  });
});

describe('!include', () => {
  it('includes files recursively, relative to the including file, with locations inside them', () => {
    const { dir, file, run } = load('http: !include parts/http.yaml\n', {
      'parts/http.yaml': 'host: localhost\nport: !include port.yaml\n',
      'parts/port.yaml': '# the port\n8081\n',
    });
    const yaml = run();
    expect(yaml.value).toEqual({ http: { host: 'localhost', port: 8081 } });
    expect(yaml.locateKey(['http'])).toEqual({ file, line: 1, col: 1 });
    expect(yaml.locate(['http', 'host'])).toEqual({ file: join(dir, 'parts/http.yaml'), line: 1, col: 7 });
    expect(yaml.locateKey(['http', 'port'])).toEqual({ file: join(dir, 'parts/http.yaml'), line: 2, col: 1 });
    expect(yaml.locate(['http', 'port'])).toEqual({ file: join(dir, 'parts/port.yaml'), line: 2, col: 1 });
  });

  it('reports a missing file at the tag', () => {
    const { dir, file, run } = load('name: Home\nhttp: !include nope.yaml\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 2, col: 7, path: 'http', message: `cannot include nope.yaml: ${join(dir, 'nope.yaml')} not found` },
    ]);
  });

  it('reports a cycle', () => {
    const { dir, run } = load('name: !include a.yaml\n', { 'a.yaml': 'x: !include b.yaml\n', 'b.yaml': '\n!include a.yaml\n' });
    expect(issuesOf(run)).toEqual([
      { file: join(dir, 'b.yaml'), line: 2, col: 1, path: 'name.x', message: 'include cycle: a.yaml → b.yaml → a.yaml' },
    ]);
  });

  it('reports a file including itself', () => {
    const { file, run } = load('x: !include main.yaml\n');
    expect(issuesOf(run)).toEqual([{ file, line: 1, col: 4, path: 'x', message: 'include cycle: main.yaml → main.yaml' }]);
  });

  it('reports syntax errors inside the included file', () => {
    const { dir, run } = load('http: !include http.yaml\n', { 'http.yaml': 'port: 1\nport: 2\n' });
    expect(issuesOf(run)).toEqual([
      { file: join(dir, 'http.yaml'), line: 2, col: 1, path: 'http.port', message: 'duplicate key (first at line 1)' },
    ]);
  });
});

describe('${VAR}', () => {
  it('interpolates variables inside strings', () => {
    const yaml = load('greeting: "hello ${WHO}, from ${WHERE}!"\n', {}, { WHO: 'world', WHERE: 'Oslo' }).run();
    expect(yaml.value).toEqual({ greeting: 'hello world, from Oslo!' });
  });

  it('uses the default when the variable is unset or empty', () => {
    const main = 'a: ${A:-localhost}\nb: ${B:-localhost}\nc: ${C:-localhost}\nd: ${D:-}\n';
    const yaml = load(main, {}, { B: '', C: 'example.org' }).run();
    expect(yaml.value).toEqual({ a: 'localhost', b: 'localhost', c: 'example.org', d: '' });
  });

  it('reads a plain scalar that is exactly one ${…} as YAML, so numbers and booleans keep their type', () => {
    const main = 'port: ${PORT}\nflag: ${FLAG}\nnone: ${NONE}\nmixed: ${PORT}x\nquoted: "${PORT}"\ntext: ${TEXT}\n';
    const yaml = load(main, {}, { PORT: '8080', FLAG: 'true', NONE: '~', TEXT: 'a: b' }).run();
    expect(yaml.value).toEqual({ port: 8080, flag: true, none: null, mixed: '8080x', quoted: '8080', text: 'a: b' });
  });

  it('treats $${ as a literal ${', () => {
    const yaml = load('a: "$${HOME} costs $$5"\nb: $${PORT}\n', {}, { HOME: '/root', PORT: '1' }).run();
    expect(yaml.value).toEqual({ a: '${HOME} costs $$5', b: '${PORT}' });
  });

  it('reports an unset variable without default at its scalar', () => {
    const { file, run } = load('http:\n  host: "x-${NOPE}"\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 2, col: 9, path: 'http.host', message: 'environment variable NOPE is not set (give a default with ${NOPE:-value})' },
    ]);
  });

  it('reports malformed references, all of them', () => {
    const { file, run } = load('x: ${OOPS\ny: ${1X}\n');
    expect(issuesOf(run)).toEqual([
      { file, line: 1, col: 4, path: 'x', message: 'unclosed "${" (write "$${" for a literal "${")' },
      { file, line: 2, col: 4, path: 'y', message: 'invalid variable reference "${1X}" (expected ${NAME} or ${NAME:-default})' },
    ]);
  });

  it('reads process.env when no env is given', () => {
    process.env.HEARTH_TEST_WHO = 'env';
    try {
      const dir = writeFiles({ 'main.yaml': 'who: ${HEARTH_TEST_WHO}\n' });
      expect(loadYaml(join(dir, 'main.yaml')).value).toEqual({ who: 'env' });
    } finally {
      delete process.env.HEARTH_TEST_WHO;
    }
  });
});
