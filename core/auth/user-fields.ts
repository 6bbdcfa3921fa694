/**
 * What a user record may hold, as JSON Schema: the HTTP API validates request
 * bodies with these and the CLI its options, so both say the same thing.
 */
import { validateSection } from '../config/validate.ts';
import type { Role } from '../db/tables.ts';

export type { Role };
export const ROLES: readonly Role[] = ['admin', 'user', 'viewer'];
export const MIN_PASSWORD_LENGTH = 10;

export const usernameSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$',
  description: '1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit; unique regardless of case',
} as const;

export const passwordSchema = { type: 'string', minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 } as const;

export const roleSchema = { enum: ROLES, description: 'admin: everything; user: read, control devices, rename and move them; viewer: read only' } as const;

export const emailSchema = { type: ['string', 'null'], format: 'email', maxLength: 254 } as const;

/** E.164, as SMS gateways want it. */
export const phoneSchema = { type: ['string', 'null'], pattern: '^\\+[1-9][0-9]{6,14}$', description: 'international format, e.g. +4915112345678' } as const;

const clockTime = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour' } as const;

/** Notification preferences; the notifications feature reads them (channels are names of its senders). */
export const preferencesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channels: { type: 'array', uniqueItems: true, maxItems: 16, items: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' } },
    quiet_hours: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: clockTime, to: clockTime } },
  },
} as const;

export interface Preferences {
  channels?: string[];
  quiet_hours?: { from: string; to: string };
}

/** The fields of a profile a person may change on their own (role and password excepted). */
export const profileProperties = { email: emailSchema, phone: phoneSchema, preferences: preferencesSchema } as const;

/**
 * Every problem of `value` against `schema`, as `path: what is wrong`
 * (`body.preferences.quiet_hours.from: must match pattern …`). Passwords are
 * never quoted back.
 */
export function fieldProblems(schema: object, value: unknown, basePath: string[] = []): string[] {
  const issues = validateSection(schema, value, {
    basePath,
    locate: () => undefined,
    isSecret: (path) => path.some((part) => typeof part === 'string' && part.includes('password')),
  });
  return issues.map((issue) => `${issue.path || basePath.join('.') || 'value'}: ${issue.message}`);
}

export const newUserSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password', 'role'],
  properties: { username: usernameSchema, password: passwordSchema, role: roleSchema, ...profileProperties },
} as const;

/** What an admin may change about a user (the password has its own call: it ends the user's sessions). */
export const userChangesSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { role: roleSchema, ...profileProperties },
} as const;
