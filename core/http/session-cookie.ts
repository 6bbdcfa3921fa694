import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { IssuedSession } from '../auth/http-auth.ts';
import { SESSION_LIFETIME_MS } from '../auth/jwt.ts';
import type { User } from '../auth/users.ts';
import { SESSION_COOKIE } from './auth-middleware.ts';
import { iso } from './serialize.ts';

/** Secure cookies only travel over https; behind a TLS-terminating proxy the proxy says so in X-Forwarded-Proto. */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

const cookieOptions = (c: Context) => ({ httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c) }) as const;

/** A user as the API shows them: never a password hash. */
export function userJson(user: User) {
  return { ...user, created_at: iso(user.created_at), updated_at: iso(user.updated_at) };
}

/** Answers a login (or onboarding, or password change) with the JWT in the body and as the session cookie (which lives as long). */
export function sessionResponse(c: Context, session: IssuedSession, user: User, status: 200 | 201 = 200): Response {
  setCookie(c, SESSION_COOKIE, session.token, { ...cookieOptions(c), maxAge: SESSION_LIFETIME_MS / 1000 });
  return c.json({ token: session.token, expires_at: iso(session.expiresAt), user: userJson(user) }, status);
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}
