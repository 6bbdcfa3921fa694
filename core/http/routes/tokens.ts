import { Hono } from 'hono';
import type { Logger } from 'pino';
import { tokenNameSchema, type TokenInfo } from '../../auth/api-tokens.ts';
import type { HttpAuth } from '../../auth/http-auth.ts';
import { listQuery, notFoundResponse, pageSchema } from '../api-schema.ts';
import { caller, type AuthEnv } from '../auth-middleware.ts';
import { ApiTokenSchema } from '../auth-schemas.ts';
import { notFound } from '../errors.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';
import { asApiErrors } from '../user-errors.ts';

/** A token as listed: its name and times, never the token. */
export function tokenJson(info: TokenInfo) {
  return { name: info.name, created_at: iso(info.created_at), last_used_at: iso(info.last_used_at) };
}

export const tokensByName: Keyset<TokenInfo> = { list: 'tokens', arity: 1, key: (t) => [t.name] };

export const listTokens = (whose: string) =>
  spec({
    summary: `List ${whose} API tokens (names and times; a token itself is shown only when created)`,
    query: listQuery,
    responses: { 200: { description: 'a page of tokens, by name', schema: pageSchema(ApiTokenSchema) } },
  });

const create = spec({
  summary: 'Create an API token for scripts and dashboards; the token is in this answer only',
  body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: tokenNameSchema } },
  responses: {
    201: {
      description: 'the token (send it as "Authorization: Bearer <token>")',
      schema: { type: 'object', required: ['name', 'token'], properties: { ...ApiTokenSchema.properties, token: { type: 'string', pattern: '^hth_' } } },
    },
    409: { description: 'you have a token of that name' },
  },
});

const revoke = spec({
  summary: 'Revoke one of your API tokens (refused from the next request on)',
  responses: { 204: { description: 'revoked' }, 404: notFoundResponse('token') },
});

/** The caller's own API tokens: create (the token is in this answer only), list, revoke by name. */
export function tokenRoutes(auth: HttpAuth, log: Logger): Hono<AuthEnv> {
  return new Hono<AuthEnv>()
    .get('/', listTokens('your'), async (c) => c.json(mapPage(pageOf(tokensByName, await auth.tokens.list(caller(c).user.id), c.req.valid('query')), tokenJson)))
    .post('/', create, async (c) => {
      const { user } = caller(c);
      const { name } = c.req.valid('json');
      const { token, info } = await asApiErrors(() => auth.tokens.create(user.id, name));
      log.info({ user: user.username }, `API token "${name}" created for ${user.username}`);
      return c.json({ ...tokenJson(info), token }, 201);
    })
    .delete('/:name', revoke, async (c) => {
      const { user } = caller(c);
      const name = c.req.param('name');
      if (!(await auth.tokens.revoke(user.id, name))) throw notFound(`you have no token "${name}"`);
      log.info({ user: user.username }, `API token "${name}" of ${user.username} revoked`);
      return c.body(null, 204);
    });
}
