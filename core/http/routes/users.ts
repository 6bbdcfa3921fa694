import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import type { HttpAuth } from '../../auth/http-auth.ts';
import { newUserSchema, passwordSchema, profileProperties, userChangesSchema } from '../../auth/user-fields.ts';
import type { User } from '../../auth/users.ts';
import { ErrorBody, listQuery, notFoundResponse, pageSchema } from '../api-schema.ts';
import { caller, type AuthEnv } from '../auth-middleware.ts';
import { SessionSchema, throttledResponse, unauthorizedResponse, UserSchema } from '../auth-schemas.ts';
import { notFound } from '../errors.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { sessionResponse, userJson } from '../session-cookie.ts';
import { asApiErrors } from '../user-errors.ts';
import { clientAddress, passwordRefused } from './auth.ts';
import { listTokens, tokenJson, tokensByName } from './tokens.ts';

const byUsername: Keyset<User> = { list: 'users', arity: 1, key: (u) => [u.username.toLowerCase()] };
const lastAdmin = { description: 'it would leave no admin', schema: ErrorBody } as const;

const list = spec({
  summary: 'List users',
  query: listQuery,
  responses: { 200: { description: 'a page of users, by username', schema: pageSchema(UserSchema) } },
});
const create = spec({
  summary: 'Create a user',
  body: newUserSchema,
  responses: { 201: { description: 'the user', schema: UserSchema }, 409: { description: 'the username is taken', schema: ErrorBody } },
});
const getOne = spec({ summary: 'Get a user', responses: { 200: { description: 'the user', schema: UserSchema }, 404: notFoundResponse('user') } });
const update = spec({
  summary: "Change a user's role or profile (a new role ends their sessions)",
  body: userChangesSchema,
  responses: { 200: { description: 'the user as it is now', schema: UserSchema }, 404: notFoundResponse('user'), 409: lastAdmin },
});
const remove = spec({
  summary: 'Remove a user with their sessions and API tokens',
  responses: { 204: { description: 'removed' }, 404: notFoundResponse('user'), 409: lastAdmin },
});
const setPassword = spec({
  summary: "Set a user's password (ends their sessions)",
  body: { type: 'object', additionalProperties: false, required: ['password'], properties: { password: passwordSchema } },
  responses: { 204: { description: 'set' }, 404: notFoundResponse('user') },
});
const revokeToken = spec({
  summary: "Revoke a user's API token",
  responses: { 204: { description: 'revoked' }, 404: notFoundResponse('user or token') },
});

const profile = spec({ summary: 'Your profile', responses: { 200: { description: 'you', schema: UserSchema } } });
const editProfile = spec({
  summary: 'Change your email, phone or notification preferences',
  body: { type: 'object', additionalProperties: false, minProperties: 1, properties: profileProperties },
  responses: { 200: { description: 'your profile as it is now', schema: UserSchema } },
});
const ownPassword = spec({
  summary: 'Change your password: every session of yours ends, and this answer is a new login',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['current_password', 'new_password'],
    properties: { current_password: { type: 'string', maxLength: 1024 }, new_password: passwordSchema },
  },
  responses: { 200: { description: 'the new session', schema: SessionSchema }, 401: unauthorizedResponse, 429: throttledResponse },
});

/** Managing users: admins only (see access-policy.ts). Users are named by username in paths. */
export function userRoutes(auth: HttpAuth, log: Logger): Hono<AuthEnv> {
  const { users, tokens } = auth;
  const existing = async (username: string): Promise<User> => {
    const user = await users.find(username);
    if (!user) throw notFound(`no user "${username}"`);
    return user;
  };
  const by = (c: Context<AuthEnv>) => c.get('principal')?.user.username ?? 'nobody';
  return new Hono<AuthEnv>()
    .get('/', list, async (c) => c.json(mapPage(pageOf(byUsername, await users.list(), c.req.valid('query')), userJson)))
    .post('/', create, async (c) => {
      const user = await asApiErrors(() => users.create(c.req.valid('json')));
      log.info({ user: user.username }, `user ${user.username} (${user.role}) created by ${by(c)}`);
      return c.json(userJson(user), 201);
    })
    .get('/:username', getOne, async (c) => c.json(userJson(await existing(c.req.param('username')))))
    .patch('/:username', update, async (c) => {
      const changes = c.req.valid('json');
      const user = await asApiErrors(() => users.update(c.req.param('username'), changes));
      if (changes.role) log.info({ user: user.username }, `${user.username} is ${user.role} now (by ${by(c)}); their sessions ended`);
      return c.json(userJson(user));
    })
    .delete('/:username', remove, async (c) => {
      const { username } = await existing(c.req.param('username'));
      await asApiErrors(() => users.remove(username));
      log.info({ user: username }, `user ${username} removed by ${by(c)}`);
      return c.body(null, 204);
    })
    .post('/:username/password', setPassword, async (c) => {
      const { username } = await existing(c.req.param('username'));
      await asApiErrors(() => users.setPassword(username, c.req.valid('json').password));
      log.info({ user: username }, `password of ${username} set by ${by(c)}; their sessions ended`);
      return c.body(null, 204);
    })
    .get('/:username/tokens', listTokens("a user's"), async (c) => {
      const user = await existing(c.req.param('username'));
      return c.json(mapPage(pageOf(tokensByName, await tokens.list(user.id), c.req.valid('query')), tokenJson));
    })
    .delete('/:username/tokens/:name', revokeToken, async (c) => {
      const user = await existing(c.req.param('username'));
      const name = c.req.param('name');
      if (!(await tokens.revoke(user.id, name))) throw notFound(`${user.username} has no token "${name}"`);
      log.info({ user: user.username }, `token "${name}" of ${user.username} revoked by ${by(c)}`);
      return c.body(null, 204);
    });
}

/** The caller's own profile and password (changing the profile needs the role user, see access-policy.ts). */
export function profileRoutes(auth: HttpAuth, log: Logger): Hono<AuthEnv> {
  return new Hono<AuthEnv>()
    .get('/', profile, (c) => c.json(userJson(caller(c).user)))
    .patch('/', editProfile, async (c) => {
      const { user } = caller(c);
      return c.json(userJson(await asApiErrors(() => auth.users.update(user.username, c.req.valid('json')))));
    })
    .post('/password', ownPassword, async (c) => {
      const { user } = caller(c);
      const body = c.req.valid('json');
      // Throttled like a login: a stolen session must not become a way to guess the password.
      const checked = await auth.checkPassword(user.username, body.current_password, clientAddress(c));
      if (!checked.user) throw passwordRefused(checked.retryAfterMs);
      await asApiErrors(() => auth.users.setPassword(user.username, body.new_password));
      log.info({ user: user.username }, `${user.username} changed their password; their other sessions ended`);
      return sessionResponse(c, await auth.startSession(user), user);
    });
}
