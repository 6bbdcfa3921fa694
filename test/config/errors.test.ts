import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, editDistance, formatIssue, formatPath, unknownKeyMessage } from '../../core/config/errors.ts';

describe('formatIssue', () => {
  const issue = { line: 12, col: 5, path: 'http.port', message: 'must be integer (got "abc")' };

  it('shows a file inside the working folder relative to it', () => {
    expect(formatIssue({ ...issue, file: join(process.cwd(), 'config', 'hearth.yaml') })).toBe(
      'config/hearth.yaml:12:5: http.port: must be integer (got "abc")',
    );
  });

  it('keeps a file outside the working folder absolute', () => {
    expect(formatIssue({ ...issue, file: '/elsewhere/hearth.yaml' })).toBe('/elsewhere/hearth.yaml:12:5: http.port: must be integer (got "abc")');
  });

  it('leaves out line and column at line 0, and the path when empty', () => {
    expect(formatIssue({ file: 'environment:HEARTH_HTTP_PORT', line: 0, col: 0, path: '', message: 'bad' })).toBe('environment:HEARTH_HTTP_PORT: bad');
  });
});

describe('ConfigError', () => {
  it('carries its issues and prints them all in its message', () => {
    const issues = [
      { file: '/a.yaml', line: 1, col: 1, path: 'name', message: 'must be string (got 5)' },
      { file: '/a.yaml', line: 2, col: 3, path: '', message: 'oops' },
    ];
    const error = new ConfigError(issues);
    expect(error).toBeInstanceOf(Error);
    expect(error.issues).toBe(issues);
    expect(error.message).toBe('/a.yaml:1:1: name: must be string (got 5)\n/a.yaml:2:3: oops');
  });
});

describe('formatPath', () => {
  it('joins keys with dots, indices in brackets and quotes odd keys', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['plugins', 'my-plugin', 'items', 0, 'name'])).toBe('plugins.my-plugin.items[0].name');
    expect(formatPath(['hosts', 'a.b', 'port'])).toBe('hosts["a.b"].port');
  });
});

describe('unknownKeyMessage', () => {
  it('suggests the closest allowed key within edit distance 2', () => {
    expect(unknownKeyMessage('prot', ['host', 'port'])).toBe('unknown key "prot" (allowed: host, port) — did you mean "port"?');
    expect(unknownKeyMessage('hots', ['hosts', 'host'])).toBe('unknown key "hots" (allowed: hosts, host) — did you mean "hosts"?');
    expect(unknownKeyMessage('poort', ['pot', 'port'])).toBe('unknown key "poort" (allowed: pot, port) — did you mean "port"?');
  });

  it('suggests nothing beyond edit distance 2, or when nothing is allowed', () => {
    expect(unknownKeyMessage('portxyz', ['port'])).toBe('unknown key "portxyz" (allowed: port)');
    expect(unknownKeyMessage('x', [])).toBe('unknown key "x"');
  });

  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
