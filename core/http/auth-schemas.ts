/** JSON Schemas of what the user, login and token routes answer, for their route specs and /api/openapi.json. */
import { tokenNameSchema } from '../auth/api-tokens.ts';
import { emailSchema, phoneSchema, preferencesSchema, roleSchema, usernameSchema } from '../auth/user-fields.ts';
import { dateTime, ErrorBody, named, nullableDateTime } from './api-schema.ts';

export const UserSchema = named('User', {
  type: 'object',
  required: ['id', 'username', 'role', 'email', 'phone', 'preferences', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'integer', description: 'the `sub` of its session tokens' },
    username: usernameSchema,
    role: roleSchema,
    email: emailSchema,
    phone: phoneSchema,
    preferences: preferencesSchema,
    created_at: dateTime,
    updated_at: dateTime,
  },
});

export const SessionSchema = named('Session', {
  type: 'object',
  required: ['token', 'expires_at', 'user'],
  description: 'a login: the JWT (also set as the HttpOnly session cookie), valid 72 h or until logout',
  properties: { token: { type: 'string' }, expires_at: dateTime, user: UserSchema },
});

export const ApiTokenSchema = named('ApiToken', {
  type: 'object',
  required: ['name', 'created_at', 'last_used_at'],
  properties: { name: tokenNameSchema, created_at: dateTime, last_used_at: nullableDateTime },
});

export const unauthorizedResponse = { description: 'wrong username or password', schema: ErrorBody } as const;
export const throttledResponse = { description: 'too many failed attempts: wait the Retry-After seconds', schema: ErrorBody } as const;
