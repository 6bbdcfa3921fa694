import { describe, expect, it } from 'vitest';
import type { DocPath, SourceLocation } from '../../core/config/errors.ts';
import { validateSection, type SectionContext } from '../../core/config/validate.ts';

/** A context that knows the locations of `known` paths: line = position in the list + 1, col 1 (keys: col 0). */
function contextFor(known: DocPath[], extra: Partial<SectionContext> = {}): SectionContext {
  const find = (path: DocPath, col: number): SourceLocation | undefined => {
    const index = known.findIndex((p) => JSON.stringify(p) === JSON.stringify(path));
    return index < 0 ? undefined : { file: 'f.yaml', line: index + 1, col };
  };
  return { locate: (path) => find(path, 1), locateKey: (path) => find(path, 0), ...extra };
}

const modeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { anyOf: [{ type: 'integer', minimum: 1 }, { enum: ['auto', 'off'] }] },
    target: {
      oneOf: [
        { type: 'string' },
        { type: 'object', additionalProperties: false, required: ['host'], properties: { host: { type: 'string' }, port: { type: 'integer' } } },
      ],
    },
  },
};

describe('validateSection', () => {
  it('returns [] and fills defaults when valid', () => {
    const value = {};
    const schema = { type: 'object', properties: { a: { type: 'object', default: {}, properties: { b: { type: 'integer', default: 2 } } } } };
    expect(validateSection(schema, value, contextFor([[]]))).toEqual([]);
    expect(value).toEqual({ a: { b: 2 } });
  });

  it('says "must be A or B" when no anyOf branch takes the kind of value', () => {
    const issues = validateSection(modeSchema, { mode: true }, contextFor([[], ['mode']]));
    expect(issues).toEqual([{ file: 'f.yaml', line: 2, col: 1, path: 'mode', message: 'must be integer or one of: auto, off (got true)' }]);
  });

  it('keeps only the errors of the one branch that takes the kind of value', () => {
    const issues = validateSection(modeSchema, { mode: 0 }, contextFor([[], ['mode']]));
    expect(issues).toEqual([{ file: 'f.yaml', line: 2, col: 1, path: 'mode', message: 'must be >= 1 (got 0)' }]);
  });

  it('reports unknown and missing keys inside the matching oneOf branch', () => {
    const known = [[], ['target'], ['target', 'hots']];
    const issues = validateSection(modeSchema, { target: { hots: 'x' } }, contextFor(known));
    expect(issues).toEqual([
      // `required` points at the key of the object that lacks it
      { file: 'f.yaml', line: 2, col: 0, path: 'target', message: 'missing required key "host"' },
      { file: 'f.yaml', line: 3, col: 0, path: 'target.hots', message: 'unknown key "hots" (allowed: host, port) — did you mean "host"?' },
    ]);
  });

  it('keeps the composite error alone when several branches take the kind of value', () => {
    const schema = { anyOf: [{ type: 'string', minLength: 5 }, { type: 'string', pattern: '^x' }] };
    expect(validateSection(schema, 'abc', contextFor([[]]))).toEqual([
      { file: 'f.yaml', line: 1, col: 1, path: '', message: 'does not match any of the allowed forms (got "abc")' },
    ]);
  });

  it('falls back to the nearest located ancestor', () => {
    const schema = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'integer' } } } } };
    const issues = validateSection(schema, { a: { b: 'x' } }, contextFor([[], ['a']]));
    expect(issues).toEqual([{ file: 'f.yaml', line: 2, col: 1, path: 'a.b', message: 'must be integer (got "x")' }]);
  });

  it('uses numbers for list indices, and prefixes basePath', () => {
    const schema = { type: 'object', properties: { list: { type: 'array', items: { type: 'integer' } } } };
    const known = [[], ['plugins', 'p', 'list', 1]];
    const issues = validateSection(schema, { list: [1, 'x'] }, contextFor(known, { basePath: ['plugins', 'p'] }));
    expect(issues).toEqual([{ file: 'f.yaml', line: 2, col: 1, path: 'plugins.p.list[1]', message: 'must be integer (got "x")' }]);
  });

  it('leaves out the value when it is secret', () => {
    const schema = { type: 'object', properties: { token: { type: 'string', minLength: 20 } } };
    const context = contextFor([[], ['token']], { isSecret: (path) => path[0] === 'token' });
    expect(validateSection(schema, { token: 'hunter2' }, context)).toEqual([
      { file: 'f.yaml', line: 2, col: 1, path: 'token', message: 'must NOT have fewer than 20 characters' },
    ]);
  });

  it('throws when the schema itself is invalid', () => {
    expect(() => validateSection({ type: 'object', default: {} }, {}, contextFor([[]]))).toThrow(/default is ignored in the schema root/);
  });
});
