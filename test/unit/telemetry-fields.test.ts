import { describe, expect, it } from 'vitest';
import { TelemetryFields } from '../../core/mqtt/telemetry-fields.ts';

/** The fields as plain data (the arrays are reused from record to record). */
const snapshot = (fields: TelemetryFields) => ({ ts: fields.ts, keys: fields.keys.slice(0, fields.length), values: fields.values.slice(0, fields.length) });

/** The fields as JSON.parse gives them (the general path). */
const parsed = (text: string) => snapshot(new TelemetryFields().fromObject(JSON.parse(text) as Record<string, unknown>));

/** The fields read from the bytes, or undefined when the fast path declined. */
function flat(text: string | Buffer) {
  const fields = new TelemetryFields();
  return fields.readFlat(Buffer.isBuffer(text) ? text : Buffer.from(text)) ? snapshot(fields) : undefined;
}

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Object.is on every value, so -0 and 0 differ. */
function expectSame(actual: ReturnType<typeof flat>, expected: ReturnType<typeof parsed>, text: string) {
  expect(actual, text).toBeDefined();
  expect(actual!.keys, text).toEqual(expected.keys);
  expect(Object.is(actual!.ts, expected.ts), `${text}: ts ${String(actual!.ts)} vs ${String(expected.ts)}`).toBe(true);
  actual!.values.forEach((value, i) => expect(Object.is(value, expected.values[i]), `${text}: ${expected.keys[i]} ${String(value)} vs ${String(expected.values[i])}`).toBe(true));
}

describe('TelemetryFields.readFlat', () => {
  it('reads the flat payloads devices send, exactly as JSON.parse does', () => {
    const payloads = [
      '{"temperature":21.5}',
      '{"temperature":-3.25,"humidity":40}',
      '{ "distance_cm" : 123.4 , "ts" : 1795493283258 }\n',
      '{"ts":1795493283258,"a":0,"b":-0,"c":0.1,"d":123456789012345,"e":0.000001,"f":99.99}',
      '{"on":true,"open":false,"level":null}',
      '\t{"x":1}\r\n',
      '{}',
      '{"__proto__":1,"constructor":2}',
      '{"1wire_temp":20.125}',
    ];
    for (const text of payloads) expectSame(flat(text), parsed(text), text);
  });

  it('leaves everything else to JSON.parse, having read nothing', () => {
    const declined = [
      '{"name":"kitchen"}', // a string value
      '{"a":{"b":1}}', // nested
      '[{"a":1}]', // an array of records
      '{"a":1e3}', // an exponent
      '{"a":1234567890123456}', // 16 significant digits
      '{"a":1,"a":2}', // a repeated key: JSON.parse keeps the last value at the first place
      '{"ts":1,"ts":2}',
      '{"12":1,"a":2}', // an array-index key comes first in for…in
      '{"t\\u0065mp":1}', // an escape
      '{"tempé":1}', // not ASCII
      '\ufeff{"a":1}', // a byte order mark (JSON.parse refuses it too)
      // not JSON at all: each must be refused here and by JSON.parse
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":+1}',
      '{"a":1,}',
      '{"a":1}x',
      '{"a":1',
      '{"a" 1}',
      '{a:1}',
      '{"":1}',
      '{"a":tru}',
      '{"a":nulll}',
      '',
      '   ',
    ];
    for (const text of declined) {
      const fields = new TelemetryFields();
      fields.fromObject({ stale: 1, ts: 5 });
      expect(fields.readFlat(Buffer.from(text)), text).toBe(false);
      expect(fields.length, text).toBe(0);
      expect(fields.ts, text).toBeUndefined();
    }
    expect(['{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":+1}', '{"a":1,}', '{"a":1}x', '{"a":1', '{"a" 1}', '{a:1}', '{"a":tru}', '{"a":nulll}', '', '   '].some(jsonParses)).toBe(false);
  });

  it('reads every number it accepts to the same double as JSON.parse (20,000 random ones)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const whole = random() < 0.2 ? '0' : `${1 + Math.floor(random() * 9)}${digits(Math.floor(random() * 12))}`;
      const fraction = random() < 0.3 ? '' : `.${digits(1 + Math.floor(random() * 20))}`;
      const text = `{"v":${random() < 0.3 ? '-' : ''}${whole}${fraction}}`;
      const read = flat(text);
      if (read === undefined) continue;
      accepted++;
      expectSame(read, parsed(text), text);
    }
    // Most of them are short enough for the fast path: it is the one under test.
    expect(accepted).toBeGreaterThan(10_000);
  });

  it('never accepts a damaged payload JSON.parse would refuse, nor reads one differently (20,000 random damages)', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const originals = ['{"temperature":21.5,"humidity":40,"ts":1795493283258}', '{"on":true,"level":null,"x":-0.5}'];
    const alphabet = '{}[]":,.-+0123456789eEtrufalsn \\';
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const chars = [...originals[i % originals.length]!];
      const at = Math.floor(random() * chars.length);
      const action = random();
      const char = alphabet[Math.floor(random() * alphabet.length)]!;
      if (action < 0.4) chars[at] = char;
      else if (action < 0.7) chars.splice(at, 1);
      else chars.splice(at, 0, char);
      const text = chars.join('');
      const read = flat(text);
      if (read === undefined) continue;
      accepted++;
      expect(jsonParses(text), text).toBe(true);
      expectSame(read, parsed(text), text);
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
