/**
 * Calling the hub's API as a person or a script does: with a bearer token or
 * the session cookie, JSON bodies, and the answer's status, body and headers.
 */
import type { TestHub } from './hub.ts';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  cookie?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call(api: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const response = await fetch(api + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: abort.signal });
  // A stream (SSE) never ends by itself: its status and headers are the answer.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    abort.abort();
    return { status: response.status, body: null, headers: response.headers };
  }
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text, headers: response.headers };
}

export const ADMIN = { username: 'ada', password: 'ada-secret-passphrase' };

/** Onboards the first admin and returns their session token. */
export async function onboard(hub: TestHub, admin = ADMIN): Promise<string> {
  const answer = await call(hub.api, 'POST', '/api/auth/onboarding', { body: admin });
  if (answer.status !== 201) throw new Error(`onboarding: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.token;
}

export async function login(hub: TestHub, username: string, password: string): Promise<Answer> {
  return call(hub.api, 'POST', '/api/auth/login', { body: { username, password } });
}

/** Creates a user (as the admin), logs them in and makes them an API token; returns both tokens. */
export async function userWithToken(hub: TestHub, adminToken: string, username: string, role: string): Promise<{ session: string; token: string; password: string }> {
  const password = `${username}-secret-passphrase`;
  const created = await call(hub.api, 'POST', '/api/users', { token: adminToken, body: { username, password, role } });
  if (created.status !== 201) throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const session = (await login(hub, username, password)).body.token as string;
  const token = (await call(hub.api, 'POST', '/api/tokens', { token: session, body: { name: 'tests' } })).body.token as string;
  return { session, token, password };
}
