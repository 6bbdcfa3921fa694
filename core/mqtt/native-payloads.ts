/**
 * Parsing of the native `hearth/v1` device protocol (docs/protocol.md). Pure
 * functions: each returns the parsed value or throws a PayloadError whose
 * reason is a short, countable category and whose message says what was wrong.
 */
import { createAjv } from '../config/ajv.ts';
import type { Entity } from '../registry/entities.ts';
import type { StateValue } from '../states/state.ts';

export type RejectReason =
  | 'invalid_topic'
  | 'invalid_json'
  | 'invalid_payload'
  | 'unknown_device'
  | 'not_approved'
  | 'unknown_entity'
  | 'invalid_value'
  | 'invalid_timestamp'
  | 'device_conflict'
  | 'not_committed';

export class PayloadError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
    /** the field at fault, when one is: distinct fields are distinct mistakes for the log */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface AnnouncedEntity {
  key: string;
  kind: string;
  name?: string;
  unit?: string;
  device_class?: string;
  state_class?: 'measurement' | 'total' | 'total_increasing';
}

export interface Announcement {
  id?: string;
  name?: string;
  model?: string;
  manufacturer?: string;
  sw?: string;
  /** seconds of silence after which the device counts as offline */
  offline_after?: number;
  entities: AnnouncedEntity[];
}

/**
 * Telemetry fields for people reading the raw messages, not readings: the
 * device's own id and its human-readable date and time (a Pico's triggered
 * message carries them; `ts` stays the authoritative time).
 */
const INFORMATIONAL_FIELDS = ['device_id', 'date', 'time'] as const;
const INFORMATIONAL: ReadonlySet<string> = new Set(INFORMATIONAL_FIELDS);

/** True for an informational field, which is skipped; throws when `device_id` names another device than the topic. */
export function isInformational(deviceId: string, key: string, value: unknown): boolean {
  if (!INFORMATIONAL.has(key)) return false;
  if (key === 'device_id' && value !== deviceId) {
    throw new PayloadError('invalid_payload', `device_id ${JSON.stringify(value)} does not match the topic's device id "${deviceId}"`, key);
  }
  return true;
}

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

/** Extra top-level fields are allowed so newer firmware still announces to an older hub. */
const announceSchema = {
  type: 'object',
  required: ['entities'],
  properties: {
    id: text(64),
    name: text(100),
    model: text(100),
    manufacturer: text(100),
    sw: text(64),
    offline_after: { type: 'integer', minimum: 1, maximum: 86_400 },
    entities: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        required: ['key', 'kind'],
        properties: {
          // Telemetry's own fields (the timestamp and the informational ones) can never name a value.
          key: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$', not: { enum: ['ts', ...INFORMATIONAL_FIELDS] } },
          kind: { type: 'string', pattern: '^[a-z][a-z_]{0,31}$' },
          name: text(100),
          unit: { type: 'string', maxLength: 16 },
          device_class: text(32),
          state_class: { enum: ['measurement', 'total', 'total_increasing'] },
        },
      },
    },
  },
};

const validateAnnounce = createAjv().compile<Announcement>(announceSchema);

export function parseJson(payload: Buffer): unknown {
  try {
    // toString() with no argument is UTF-8 and skips the encoding lookup (every message passes here).
    return JSON.parse(payload.toString());
  } catch (error) {
    const preview = payload.toString('utf8', 0, 40);
    throw new PayloadError('invalid_json', `not JSON (${(error as Error).message}): ${JSON.stringify(preview)}`);
  }
}

export function parseAnnounce(deviceId: string, payload: Buffer): Announcement {
  const json = parseJson(payload);
  if (!validateAnnounce(json)) {
    const problems = (validateAnnounce.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new PayloadError('invalid_payload', `announce: ${problems.join('; ')}`);
  }
  if (json.id !== undefined && json.id !== deviceId) {
    throw new PayloadError('invalid_payload', `announce: id "${json.id}" does not match the topic's device id "${deviceId}"`);
  }
  return json;
}

/** A telemetry payload is one object or an array of them (a device flushing its queue). */
export function telemetryRecords(json: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(json)) return [telemetryRecord(json)];
  if (json.length === 0 || json.length > 1000) {
    throw new PayloadError('invalid_payload', 'telemetry: expected an object or an array of 1-1000 objects');
  }
  for (let i = 0; i < json.length; i++) telemetryRecord(json[i], i);
  return json as Array<Record<string, unknown>>;
}

/** One record of a telemetry payload (`index` within an array). */
function telemetryRecord(json: unknown, index?: number): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PayloadError('invalid_payload', `telemetry${index === undefined ? '' : `[${index}]`}: expected an object`);
  }
  return json as Record<string, unknown>;
}

// Before this, a device is almost surely sending time since boot: its clock was never set.
const EARLIEST = Date.UTC(2001, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600_000;

/** `ts` as ms epoch or ISO 8601; the hub's clock when absent. */
export function parseTimestamp(raw: unknown, now: number): number {
  if (raw === undefined) return now;
  const ts = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ts)) {
    throw new PayloadError('invalid_timestamp', `ts ${JSON.stringify(raw)} is neither ms since the epoch nor ISO 8601`);
  }
  if (ts < EARLIEST) {
    throw new PayloadError('invalid_timestamp', `ts ${JSON.stringify(raw)} is before 2001: is the device clock set?`);
  }
  if (ts > now + FUTURE_SLACK_MS) {
    throw new PayloadError('invalid_timestamp', `ts ${JSON.stringify(raw)} is more than a day in the future`);
  }
  return Math.round(ts);
}

const TRUE_WORDS = new Set(['on', 'true', '1', 'open', 'detected']);
const FALSE_WORDS = new Set(['off', 'false', '0', 'closed', 'clear']);

/** Checks a reported value against what its entity can hold. */
export function coerceValue(entity: Entity, raw: unknown): StateValue {
  if (raw === null) return null;
  if (entity.kind === 'binary_sensor' || entity.kind === 'switch') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 0 || raw === 1) return raw === 1;
    const word = typeof raw === 'string' ? raw.toLowerCase() : undefined;
    if (word !== undefined && TRUE_WORDS.has(word)) return true;
    if (word !== undefined && FALSE_WORDS.has(word)) return false;
    throw new PayloadError('invalid_value', `${entity.key}: ${entity.kind} expects true/false or "on"/"off", got ${JSON.stringify(raw)}`, entity.key);
  }
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new PayloadError('invalid_value', `${entity.key}: not a finite number`, entity.key);
    return raw;
  }
  const numeric = entity.unit !== null || entity.state_class !== null;
  if (numeric) throw new PayloadError('invalid_value', `${entity.key}: expects a number${entity.unit ? ` in ${entity.unit}` : ''}, got ${JSON.stringify(raw)}`, entity.key);
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    if (raw.length > 255) throw new PayloadError('invalid_value', `${entity.key}: text longer than 255 characters`, entity.key);
    return raw;
  }
  throw new PayloadError('invalid_value', `${entity.key}: expects a number, text, true/false or null, got ${Array.isArray(raw) ? 'an array' : 'an object'}`, entity.key);
}

export function parseStatus(payload: Buffer): boolean {
  const word = payload.toString('utf8').trim().toLowerCase();
  if (word === 'online') return true;
  if (word === 'offline') return false;
  throw new PayloadError('invalid_payload', `status must be "online" or "offline", got ${JSON.stringify(word.slice(0, 40))}`);
}
