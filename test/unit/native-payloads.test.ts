import { describe, expect, it } from 'vitest';
import {
  PayloadError,
  coerceValue,
  parseAnnounce,
  parseJson,
  parseStatus,
  parseTimestamp,
  telemetryRecords,
  type RejectReason,
} from '../../core/mqtt/native-payloads.ts';
import type { Entity } from '../../core/registry/entities.ts';
import { thrownBy } from './support.ts';

/** The PayloadError `run` throws; fails on anything else. */
function refusal(run: () => unknown): PayloadError {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(PayloadError);
  return error as PayloadError;
}

function expectRefused(run: () => unknown, reason: RejectReason, message: string, field?: string): void {
  const error = refusal(run);
  expect(error.reason).toBe(reason);
  expect(error.message).toBe(message);
  expect(error.field).toBe(field);
}

const buf = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

function entity(overrides: Partial<Entity>): Entity {
  return {
    id: 1,
    entity_id: 'sensor.pico_distance',
    plugin: 'native',
    unique_id: 'pico/distance',
    device_id: 'pico',
    key: 'distance',
    kind: 'sensor',
    name: 'distance',
    name_by_user: null,
    unit: null,
    device_class: null,
    state_class: null,
    hidden: false,
    created_at: 0,
    ...overrides,
  };
}

describe('parseJson', () => {
  it('parses JSON and refuses anything else as invalid_json with a preview', () => {
    expect(parseJson(buf('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    const error = refusal(() => parseJson(buf('not json at all')));
    expect(error.reason).toBe('invalid_json');
    expect(error.message).toMatch(/^not JSON \(.+\): "not json at all"$/);
  });

  it('previews only the first 40 characters', () => {
    const error = refusal(() => parseJson(buf(`x${'y'.repeat(100)}`)));
    expect(error.message.endsWith(`: "x${'y'.repeat(39)}"`)).toBe(true);
  });
});

describe('parseAnnounce', () => {
  it('returns a valid announcement as given', () => {
    const announce = {
      id: 'pico',
      name: 'Pico Garage',
      model: 'Pico W',
      manufacturer: 'Raspberry',
      sw: '1.2.3',
      entities: [
        { key: 'distance', kind: 'sensor', name: 'Distance', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
        { key: 'door', kind: 'binary_sensor' },
        { key: 'wifi.rssi-2', kind: 'sensor', unit: '' },
      ],
    };
    expect(parseAnnounce('pico', buf(announce))).toEqual(announce);
  });

  it('accepts an announcement without id and with no entities', () => {
    expect(parseAnnounce('pico', buf({ entities: [] }))).toEqual({ entities: [] });
  });

  it('allows (and keeps) extra top-level fields for newer firmware', () => {
    expect(parseAnnounce('pico', buf({ entities: [], uptime: 12, features: ['ota'] }))).toEqual({ entities: [], uptime: 12, features: ['ota'] });
  });

  it('refuses an id that does not match the topic', () => {
    expectRefused(
      () => parseAnnounce('pico', buf({ id: 'other', entities: [] })),
      'invalid_payload',
      'announce: id "other" does not match the topic\'s device id "pico"',
    );
  });

  it('refuses a missing entities list', () => {
    expectRefused(() => parseAnnounce('pico', buf({ id: 'pico' })), 'invalid_payload', "announce: / must have required property 'entities'");
  });

  it('refuses a key outside the pattern', () => {
    expectRefused(
      () => parseAnnounce('pico', buf({ entities: [{ key: 'bad key', kind: 'sensor' }] })),
      'invalid_payload',
      'announce: /entities/0/key must match pattern "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"',
    );
    expect(refusal(() => parseAnnounce('pico', buf({ entities: [{ key: '-lead', kind: 'sensor' }] }))).reason).toBe('invalid_payload');
    expect(refusal(() => parseAnnounce('pico', buf({ entities: [{ key: 'k'.repeat(65), kind: 'sensor' }] }))).reason).toBe('invalid_payload');
  });

  it('refuses the key ts, which is the telemetry timestamp', () => {
    expectRefused(
      () => parseAnnounce('pico', buf({ entities: [{ key: 'distance', kind: 'sensor' }, { key: 'ts', kind: 'sensor' }] })),
      'invalid_payload',
      'announce: /entities/1/key must NOT be valid',
    );
  });

  it('reports every problem at once', () => {
    const error = refusal(() => parseAnnounce('pico', buf({ name: '', entities: [{ key: 'k', kind: 'Sensor', state_class: 'sometimes' }] })));
    expect(error.reason).toBe('invalid_payload');
    expect(error.message.startsWith('announce: ')).toBe(true);
    const problems = error.message.slice('announce: '.length).split('; ');
    expect(problems).toHaveLength(3);
    expect(problems).toContain('/name must NOT have fewer than 1 characters');
    expect(problems).toContain('/entities/0/kind must match pattern "^[a-z][a-z_]{0,31}$"');
    expect(problems).toContain('/entities/0/state_class must be equal to one of the allowed values');
  });

  it('refuses a non-object and an entity without kind', () => {
    expectRefused(() => parseAnnounce('pico', buf([])), 'invalid_payload', 'announce: / must be object');
    expectRefused(
      () => parseAnnounce('pico', buf({ entities: [{ key: 'k' }] })),
      'invalid_payload',
      "announce: /entities/0 must have required property 'kind'",
    );
  });

  it('refuses a payload that is not JSON as invalid_json', () => {
    expect(refusal(() => parseAnnounce('pico', buf('{entities'))).reason).toBe('invalid_json');
  });
});

describe('telemetryRecords', () => {
  it('wraps one object in a list', () => {
    const record = { distance: 12, ts: 5 };
    const records = telemetryRecords(record);
    expect(records).toEqual([{ distance: 12, ts: 5 }]);
    expect(records[0]).toBe(record);
  });

  it('returns an array of objects as it is', () => {
    const json = [{ a: 1 }, { b: 2 }];
    expect(telemetryRecords(json)).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('refuses an empty array and one over 1000 records', () => {
    const message = 'telemetry: expected an object or an array of 1-1000 objects';
    expectRefused(() => telemetryRecords([]), 'invalid_payload', message);
    expectRefused(() => telemetryRecords(Array.from({ length: 1001 }, () => ({}))), 'invalid_payload', message);
    expect(telemetryRecords(Array.from({ length: 1000 }, () => ({})))).toHaveLength(1000);
  });

  it('refuses items that are not objects, naming the index within an array', () => {
    expectRefused(() => telemetryRecords([{ a: 1 }, 5]), 'invalid_payload', 'telemetry[1]: expected an object');
    expectRefused(() => telemetryRecords([null]), 'invalid_payload', 'telemetry[0]: expected an object');
    expectRefused(() => telemetryRecords([{}, {}, [1]]), 'invalid_payload', 'telemetry[2]: expected an object');
    expectRefused(() => telemetryRecords('text'), 'invalid_payload', 'telemetry: expected an object');
    expectRefused(() => telemetryRecords(null), 'invalid_payload', 'telemetry: expected an object');
    expectRefused(() => telemetryRecords(42), 'invalid_payload', 'telemetry: expected an object');
  });
});

describe('parseTimestamp', () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0);
  const DAY = 24 * 3600_000;

  it('gives now when ts is absent', () => {
    expect(parseTimestamp(undefined, now)).toBe(now);
  });

  it('takes ms since the epoch, rounded to a whole ms', () => {
    expect(parseTimestamp(now - 5_000, now)).toBe(now - 5_000);
    expect(parseTimestamp(1_700_000_000_000.6, now)).toBe(1_700_000_000_001);
  });

  it('takes ISO 8601 strings, with or without an offset', () => {
    expect(parseTimestamp('2024-06-01T10:00:00Z', now)).toBe(Date.UTC(2024, 5, 1, 10));
    expect(parseTimestamp('2024-06-01T10:00:00.250+02:00', now)).toBe(Date.UTC(2024, 5, 1, 8, 0, 0, 250));
  });

  it('refuses garbage as invalid_timestamp', () => {
    expectRefused(() => parseTimestamp('yesterday', now), 'invalid_timestamp', 'ts "yesterday" is neither ms since the epoch nor ISO 8601');
    expectRefused(() => parseTimestamp(true, now), 'invalid_timestamp', 'ts true is neither ms since the epoch nor ISO 8601');
    expectRefused(() => parseTimestamp(null, now), 'invalid_timestamp', 'ts null is neither ms since the epoch nor ISO 8601');
    expectRefused(() => parseTimestamp({}, now), 'invalid_timestamp', 'ts {} is neither ms since the epoch nor ISO 8601');
    expect(refusal(() => parseTimestamp(Number.NaN, now)).reason).toBe('invalid_timestamp');
    expect(refusal(() => parseTimestamp(Number.POSITIVE_INFINITY, now)).reason).toBe('invalid_timestamp');
  });

  it('refuses a time before 2001 (a clock that was never set)', () => {
    expectRefused(() => parseTimestamp(123_456, now), 'invalid_timestamp', 'ts 123456 is before 2001: is the device clock set?');
    expectRefused(
      () => parseTimestamp('1970-01-01T00:10:00Z', now),
      'invalid_timestamp',
      'ts "1970-01-01T00:10:00Z" is before 2001: is the device clock set?',
    );
    expect(refusal(() => parseTimestamp(Date.UTC(2001, 0, 1) - 1, now)).reason).toBe('invalid_timestamp');
    expect(parseTimestamp(Date.UTC(2001, 0, 1), now)).toBe(Date.UTC(2001, 0, 1));
  });

  it('refuses more than a day in the future, accepts up to a day', () => {
    expect(parseTimestamp(now + DAY, now)).toBe(now + DAY);
    expectRefused(() => parseTimestamp(now + DAY + 1, now), 'invalid_timestamp', `ts ${now + DAY + 1} is more than a day in the future`);
  });
});

describe('coerceValue', () => {
  const distance = entity({ unit: 'cm' });
  const mode = entity({ key: 'mode', entity_id: 'sensor.pico_mode' });
  const door = entity({ key: 'door', kind: 'binary_sensor', entity_id: 'binary_sensor.pico_door' });

  it('a sensor with a unit takes numbers and null', () => {
    expect(coerceValue(distance, 12.5)).toBe(12.5);
    expect(coerceValue(distance, 0)).toBe(0);
    expect(coerceValue(distance, -3)).toBe(-3);
    expect(coerceValue(distance, null)).toBeNull();
  });

  it('a sensor with a unit refuses strings, naming the unit', () => {
    expectRefused(() => coerceValue(distance, '12.5'), 'invalid_value', 'distance: expects a number in cm, got "12.5"', 'distance');
    expectRefused(() => coerceValue(distance, true), 'invalid_value', 'distance: expects a number in cm, got true', 'distance');
  });

  it('a sensor with a state class but no unit refuses strings too', () => {
    const energy = entity({ key: 'energy', state_class: 'total_increasing' });
    expectRefused(() => coerceValue(energy, 'lots'), 'invalid_value', 'energy: expects a number, got "lots"', 'energy');
    expect(coerceValue(energy, 7)).toBe(7);
  });

  it('refuses non-finite numbers', () => {
    expectRefused(() => coerceValue(distance, Number.NaN), 'invalid_value', 'distance: not a finite number', 'distance');
    expectRefused(() => coerceValue(mode, Number.NEGATIVE_INFINITY), 'invalid_value', 'mode: not a finite number', 'mode');
  });

  it('a sensor without unit takes text, numbers and booleans', () => {
    expect(coerceValue(mode, 'eco')).toBe('eco');
    expect(coerceValue(mode, '')).toBe('');
    expect(coerceValue(mode, 3)).toBe(3);
    expect(coerceValue(mode, false)).toBe(false);
  });

  it('text is limited to 255 characters', () => {
    expect(coerceValue(mode, 'x'.repeat(255))).toBe('x'.repeat(255));
    expectRefused(() => coerceValue(mode, 'x'.repeat(256)), 'invalid_value', 'mode: text longer than 255 characters', 'mode');
  });

  it('refuses objects and arrays', () => {
    expectRefused(() => coerceValue(mode, { a: 1 }), 'invalid_value', 'mode: expects a number, text, true/false or null, got an object', 'mode');
    expectRefused(() => coerceValue(mode, [1]), 'invalid_value', 'mode: expects a number, text, true/false or null, got an array', 'mode');
    expectRefused(() => coerceValue(distance, { v: 1 }), 'invalid_value', 'distance: expects a number in cm, got {"v":1}', 'distance');
  });

  it('a binary_sensor takes booleans, 0/1 and on/off words in any case', () => {
    expect(coerceValue(door, 'ON')).toBe(true);
    expect(coerceValue(door, 'off')).toBe(false);
    expect(coerceValue(door, 1)).toBe(true);
    expect(coerceValue(door, 0)).toBe(false);
    expect(coerceValue(door, true)).toBe(true);
    expect(coerceValue(door, false)).toBe(false);
    expect(coerceValue(door, 'Open')).toBe(true);
    expect(coerceValue(door, 'closed')).toBe(false);
    expect(coerceValue(door, 'detected')).toBe(true);
    expect(coerceValue(door, 'clear')).toBe(false);
    expect(coerceValue(door, '1')).toBe(true);
    expect(coerceValue(door, 'false')).toBe(false);
    expect(coerceValue(door, null)).toBeNull();
  });

  it('a binary_sensor refuses anything else', () => {
    expectRefused(() => coerceValue(door, 'maybe'), 'invalid_value', 'door: binary_sensor expects true/false or "on"/"off", got "maybe"', 'door');
    expectRefused(() => coerceValue(door, 2), 'invalid_value', 'door: binary_sensor expects true/false or "on"/"off", got 2', 'door');
    expectRefused(() => coerceValue(door, { on: true }), 'invalid_value', 'door: binary_sensor expects true/false or "on"/"off", got {"on":true}', 'door');
  });

  it('a switch follows the same rules as a binary_sensor', () => {
    const relay = entity({ key: 'relay', kind: 'switch' });
    expect(coerceValue(relay, 'on')).toBe(true);
    expectRefused(() => coerceValue(relay, 'toggle'), 'invalid_value', 'relay: switch expects true/false or "on"/"off", got "toggle"', 'relay');
  });
});

describe('parseStatus', () => {
  it('reads online and offline, trimmed and in any case', () => {
    expect(parseStatus(buf('online'))).toBe(true);
    expect(parseStatus(buf('offline'))).toBe(false);
    expect(parseStatus(buf(' ONLINE\n'))).toBe(true);
    expect(parseStatus(buf('Offline\r\n'))).toBe(false);
  });

  it('refuses anything else as invalid_payload, quoting at most 40 characters', () => {
    expectRefused(() => parseStatus(buf('maybe')), 'invalid_payload', 'status must be "online" or "offline", got "maybe"');
    expectRefused(() => parseStatus(buf('')), 'invalid_payload', 'status must be "online" or "offline", got ""');
    expectRefused(() => parseStatus(buf('z'.repeat(100))), 'invalid_payload', `status must be "online" or "offline", got "${'z'.repeat(40)}"`);
    expectRefused(() => parseStatus(buf('"online"')), 'invalid_payload', 'status must be "online" or "offline", got "\\"online\\""');
  });
});
