import { sign, verify } from 'hono/jwt';
import type { Role } from '../db/tables.ts';
import { ROLES } from './user-fields.ts';

export const SESSION_LIFETIME_MS = 72 * 3600_000;

/** What a session JWT says: the user (`sub`, their id), their role at login, and the session it belongs to. */
export interface SessionClaims {
  sub: string;
  role: Role;
  sid: string;
  iat: number;
  exp: number;
}

/** Signs with HS256 and the hub's secret (see http-secret.ts). Times are seconds, as JWT wants them. */
export function signSession(claims: SessionClaims, secret: string): Promise<string> {
  return sign({ ...claims }, secret, 'HS256');
}

/** A JWT looks like three base64url parts; anything else is not worth verifying as one. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * The claims of a JWT this hub signed and that has not expired at `nowMs`,
 * else undefined. Expiry is checked here against the hub's clock (injectable
 * in tests) rather than inside hono's verify, which reads the system clock.
 */
export async function verifySession(token: string, secret: string, nowMs: number): Promise<SessionClaims | undefined> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, { alg: 'HS256', exp: false, iat: false, nbf: false });
  } catch {
    return undefined;
  }
  const { sub, role, sid, iat, exp } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if (!ROLES.includes(role as Role) || exp * 1000 <= nowMs) return undefined;
  return { sub, role: role as Role, sid, iat, exp };
}
