import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import type { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { HttpAuth } from '../../auth/http-auth.ts';
import { emailSchema, passwordSchema, usernameSchema } from '../../auth/user-fields.ts';
import { ErrorBody } from '../api-schema.ts';
import { BEARER_CHALLENGE, caller, withHeaders, type AuthEnv } from '../auth-middleware.ts';
import { SessionSchema, throttledResponse, unauthorizedResponse, UserSchema } from '../auth-schemas.ts';
import { apiError, conflict } from '../errors.ts';
import { spec } from '../route-spec.ts';
import { clearSessionCookie, sessionResponse, userJson } from '../session-cookie.ts';
import { asApiErrors } from '../user-errors.ts';

const login = spec({
  summary: 'Log in: a session token (JWT, 72 h) in the answer and as the session cookie',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['username', 'password'],
    // Any text of a sane size: a login never says which rule a name breaks.
    properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
  },
  responses: { 200: { description: 'logged in', schema: SessionSchema }, 401: unauthorizedResponse, 429: throttledResponse },
});

const logout = spec({
  summary: 'Log out: ends this session and clears the cookie (an API token stays valid: revoke it by name)',
  responses: { 204: { description: 'logged out' } },
});

const onboarding = spec({
  summary: 'Create the first admin (only while no user exists) and log in as them',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['username', 'password'],
    properties: { username: usernameSchema, password: passwordSchema, email: emailSchema },
  },
  responses: { 201: { description: 'the admin, logged in', schema: SessionSchema }, 409: { description: 'a user exists already', schema: ErrorBody } },
});

const me = spec({
  summary: 'Who is calling, and how (session or API token); before the first user exists: nobody, onboarding needed',
  responses: {
    200: {
      description: 'the caller',
      schema: {
        type: 'object',
        required: ['user', 'via', 'onboarding'],
        properties: { user: { anyOf: [UserSchema, { type: 'null' }] }, via: { enum: ['session', 'token', null] }, onboarding: { type: 'boolean' } },
      },
    },
  },
});

/** The client's address as the socket has it (behind a proxy every client looks like the proxy); IPv4 also when the hub listens on `::`. */
export function clientAddress(c: Context): string {
  return (getConnInfo(c).remote.address ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/** A failed password check as an API error: 429 with Retry-After while locked, else the same 401 for unknown user and wrong password. */
export function passwordRefused(retryAfterMs: number): HTTPException {
  if (retryAfterMs === 0) return withHeaders(apiError(401, 'unauthorized', 'wrong username or password'), { 'WWW-Authenticate': BEARER_CHALLENGE });
  const seconds = Math.ceil(retryAfterMs / 1000);
  return withHeaders(apiError(429, 'too_many_requests', `too many failed attempts: try again in ${seconds} s`), { 'Retry-After': String(seconds) });
}

/** Logging in and out, first-run onboarding, and who am I. */
export function authRoutes(auth: HttpAuth, log: Logger): Hono<AuthEnv> {
  return new Hono<AuthEnv>()
    .post('/login', login, async (c) => {
      const { username, password } = c.req.valid('json');
      const result = await auth.login(username, password, clientAddress(c));
      if (!result.ok) throw passwordRefused(result.retryAfterMs);
      return sessionResponse(c, result, result.user);
    })
    .post('/logout', logout, async (c) => {
      await auth.logout(caller(c));
      clearSessionCookie(c);
      return c.body(null, 204);
    })
    .post('/onboarding', onboarding, async (c) => {
      if (await auth.usersExist()) throw conflict('a user exists already: onboarding is over, log in with POST /api/auth/login');
      const body = c.req.valid('json');
      const user = await asApiErrors(() => auth.users.create({ ...body, role: 'admin' }, { onlyIfNone: true }));
      log.info({ user: user.username }, `first admin ${user.username} created from ${clientAddress(c)}`);
      return sessionResponse(c, await auth.startSession(user), user, 201);
    })
    .get('/me', me, (c) => {
      const principal = c.get('principal');
      // This route runs for nobody only before the first user exists: the UI then shows onboarding.
      if (!principal) return c.json({ user: null, via: null, onboarding: true });
      return c.json({ user: userJson(principal.user), via: principal.via.kind, onboarding: false });
    });
}
