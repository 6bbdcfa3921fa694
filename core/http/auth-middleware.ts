import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import { parse as parseCookies } from 'hono/utils/cookie';
import { findTargetHandler, isMiddleware } from 'hono/utils/handler';
import type { HttpAuth, Principal } from '../auth/http-auth.ts';
import { requiredAccess, roleAllows } from './access-policy.ts';
import { apiError } from './errors.ts';

/** The session JWT's cookie: HttpOnly, SameSite=Strict, set by login and onboarding. */
export const SESSION_COOKIE = 'hearth_session';

/** Browsers cannot set headers on EventSource and WebSocket: these two take the token as `?access_token=` too. */
const QUERY_TOKEN_PATHS = new Set(['/api/stream', '/api/ws']);

export type AuthEnv = { Variables: { principal: Principal | null } };

/** What a decision needs of a request, from Hono or from a raw Node upgrade request. */
export interface RequestFacts {
  method: string;
  /** the pattern of the route that answers, e.g. `/api/devices/:id`; undefined when none does */
  route: string | undefined;
  /** the path asked for, e.g. `/api/devices/x` */
  path: string;
  /** the query string part, `?a=b` or '' */
  search: string;
  authorization?: string | undefined;
  cookie?: string | undefined;
}

export type AccessDecision = { allowed: true; principal: Principal | null } | { allowed: false; status: 401 | 403; message: string; hadCredential: boolean };

/** The token a request carries: Authorization: Bearer, else the session cookie, else (stream and ws only) `?access_token=`. */
function credentialOf(request: RequestFacts): string | undefined {
  if (request.authorization !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(request.authorization)?.[1] ?? '';
  const cookie = request.cookie && parseCookies(request.cookie, SESSION_COOKIE)[SESSION_COOKIE];
  if (cookie) return cookie;
  if (QUERY_TOKEN_PATHS.has(request.path)) return new URLSearchParams(request.search).get('access_token') ?? undefined;
  return undefined;
}

/**
 * Decides whether a request may proceed, by the access policy. Until the
 * first user exists every request may (the hub then listens on this machine
 * only); afterwards a route that is not public needs a valid token of a role
 * the policy allows.
 */
export async function checkAccess(auth: HttpAuth, request: RequestFacts): Promise<AccessDecision> {
  const access = requiredAccess(request.method, request.route, request.path);
  if (access === 'public') return { allowed: true, principal: null };
  const credential = credentialOf(request);
  const principal = credential ? await auth.authenticate(credential) : undefined;
  if (!principal) {
    if (!(await auth.usersExist())) return { allowed: true, principal: null };
    const message =
      credential === undefined
        ? 'a token is needed: log in with POST /api/auth/login, or send an API token as "Authorization: Bearer <token>"'
        : 'the token is invalid, expired or revoked; log in again or use another token';
    return { allowed: false, status: 401, message, hadCredential: credential !== undefined };
  }
  if (roleAllows(principal.user.role, access)) return { allowed: true, principal };
  const message = `${request.method} ${request.path} needs the role ${access}${access === 'admin' ? '' : ' or higher'}; ${principal.user.username} is ${principal.user.role}`;
  return { allowed: false, status: 403, message, hadCredential: true };
}

/** The `WWW-Authenticate` of a 401 (RFC 6750). */
export const BEARER_CHALLENGE = 'Bearer realm="hearth"';

/** An API error with extra response headers (a challenge, Retry-After). */
export function withHeaders(error: HTTPException, headers: Record<string, string>): HTTPException {
  const res = error.getResponse();
  for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
  return new HTTPException(error.status, { res });
}

/** The refusal as an API error: 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750), or 403. */
function refusal(decision: Extract<AccessDecision, { allowed: false }>): HTTPException {
  if (decision.status === 403) return apiError(403, 'forbidden', decision.message);
  const challenge = decision.hadCredential ? `${BEARER_CHALLENGE}, error="invalid_token"` : BEARER_CHALLENGE;
  return withHeaders(apiError(401, 'unauthorized', decision.message), { 'WWW-Authenticate': challenge });
}

/** What an access decision needs of a Hono request. */
export function requestFacts(c: Context): RequestFacts {
  return {
    method: c.req.method,
    route: matchedRoutes(c).find((route) => !isMiddleware(findTargetHandler(route.handler)))?.path,
    path: c.req.path,
    search: new URL(c.req.url).search,
    authorization: c.req.header('authorization'),
    cookie: c.req.header('cookie'),
  };
}

/** Runs before every route: refuses what the policy refuses, and tells routes who is calling (`c.get('principal')`). */
export function authMiddleware(auth: HttpAuth): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const decision = await checkAccess(auth, requestFacts(c));
    if (!decision.allowed) throw refusal(decision);
    c.set('principal', decision.principal);
    await next();
  };
}

/** For requests upgraded outside Hono (the live WebSocket at /api/ws): the same decision from a Node request. */
export async function checkUpgrade(auth: HttpAuth, request: IncomingMessage): Promise<AccessDecision> {
  const url = new URL(request.url ?? '/', 'http://hub');
  return checkAccess(auth, {
    method: request.method ?? 'GET',
    // An upgrade is routed by its exact path (see upgrade-paths.ts), so the path is the route.
    route: url.pathname,
    path: url.pathname,
    search: url.search,
    authorization: request.headers.authorization,
    cookie: request.headers.cookie,
  });
}

/** The signed-in caller, for routes about "me"; 401 while nobody is (e.g. before the first user exists). */
export function caller(c: Context<AuthEnv>): Principal {
  const principal = c.get('principal');
  if (principal) return principal;
  throw refusal({ allowed: false, status: 401, message: 'nobody is logged in (no user exists yet: create the first with POST /api/auth/onboarding)', hadCredential: false });
}
