import { describe, expect, it } from 'vitest';
import { createAjv } from '../../core/config/ajv.ts';

describe('createAjv', () => {
  it('reports all errors, not just the first', () => {
    const validate = createAjv().compile({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    });
    expect(validate({ a: 1, b: 2 })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toEqual(['/a', '/b']);
  });

  it('fills nested defaults from the schema into the data', () => {
    const validate = createAjv().compile({
      type: 'object',
      properties: { http: { type: 'object', default: {}, properties: { port: { type: 'integer', default: 8080 } } } },
    });
    const data = {};
    expect(validate(data)).toBe(true);
    expect(data).toEqual({ http: { port: 8080 } });
  });

  it('rejects schema mistakes (strict mode)', () => {
    expect(() => createAjv().compile({ type: 'object', properties: { a: { type: 'string', minimun: 1 } } })).toThrow(/unknown keyword: "minimun"/);
  });

  it('allows union types and knows the ajv-formats formats', () => {
    const validate = createAjv().compile({ type: ['string', 'null'], format: 'email' });
    expect(validate(null)).toBe(true);
    expect(validate('me@example.org')).toBe(true);
    expect(validate('not an address')).toBe(false);
  });

  it('takes extra options', () => {
    const validate = createAjv({ allErrors: false }).compile({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    });
    validate({ a: 1, b: 2 });
    expect(validate.errors).toHaveLength(1);
  });
});
