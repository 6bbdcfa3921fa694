import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from 'hono/jwt';
import { ACCESS_POLICY, requiredAccess, roleAllows, routesWithoutRule, type Access } from '../../core/http/access-policy.ts';
import type { Role } from '../../core/db/tables.ts';
import { call, onboard, userWithToken } from '../support/auth.ts';
import { startHub, type TestHub } from '../support/hub.ts';

/** `/api/devices/:id` → `/api/devices/no-such-thing`: a real path of the route, naming nothing that exists. */
function concrete(path: string): string {
  return path.replace(/:[a-z_]+/g, 'no-such-thing').replace('*', 'no-such-thing');
}

const RULES = Object.entries(ACCESS_POLICY).map(([key, access]) => {
  const [method, path] = key.split(' ') as [string, string];
  return { method, path: concrete(path), access };
});

describe('access to every route of the policy', () => {
  let hub: TestHub;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    hub = await startHub();
    // Before the first user, the API answers everyone (the hub then listens on this machine only).
    expect((await call(hub.api, 'GET', '/api/devices')).status).toBe(200);
    expect((await call(hub.api, 'GET', '/api/auth/me')).body).toEqual({ user: null, via: null, onboarding: true });
    const adminSession = await onboard(hub);
    tokens.admin = (await call(hub.api, 'POST', '/api/tokens', { token: adminSession, body: { name: 'tests' } })).body.token;
    tokens.user = (await userWithToken(hub, adminSession, 'ursula', 'user')).token;
    tokens.viewer = (await userWithToken(hub, adminSession, 'viktor', 'viewer')).token;
  });
  afterAll(() => hub.stop());

  it('every mounted route has a rule (the hub logs each one that has not)', () => {
    expect(hub.logs.filter((l) => l.msg.includes('has no rule in core/http/access-policy.ts')).map((l) => l.msg)).toEqual([]);
  });

  it('refuses every non-public route without a token: 401, the error shape and a Bearer challenge', async () => {
    for (const rule of RULES) {
      const answer = await call(hub.api, rule.method, rule.path, { body: rule.method === 'GET' ? undefined : {} });
      const where = `${rule.method} ${rule.path}`;
      if (rule.access === 'public') {
        expect([401, 403], where).not.toContain(answer.status);
        continue;
      }
      expect(answer.status, where).toBe(401);
      expect(answer.body.error.code, where).toBe('unauthorized');
      expect(answer.headers.get('www-authenticate'), where).toBe('Bearer realm="hearth"');
    }
  });

  it('refuses bad tokens: unknown API token, forged or malformed JWT, another scheme', async () => {
    const forged = await sign({ sub: '1', role: 'admin', sid: 'x', iat: 1, exp: 4102444800 }, 'not-the-hubs-secret-not-the-hubs-secret-123', 'HS256');
    const bad = ['hth_' + 'A'.repeat(43), tokens.admin.slice(0, -1) + (tokens.admin.endsWith('A') ? 'B' : 'A'), forged, 'a.b.c', 'nonsense'];
    for (const rule of RULES.filter((r) => r.access !== 'public')) {
      for (const token of bad) {
        const answer = await call(hub.api, rule.method, rule.path, { token, body: rule.method === 'GET' ? undefined : {} });
        expect(answer.status, `${rule.method} ${rule.path} with ${token.slice(0, 8)}…`).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="hearth", error="invalid_token"');
      }
    }
    const basic = await call(hub.api, 'GET', '/api/states', { headers: { authorization: `Basic ${Buffer.from('ada:x').toString('base64')}` } });
    expect(basic.status).toBe(401);
  });

  it('lets each role call what the policy allows it and answers 403 naming the role needed otherwise', async () => {
    const refusals: string[] = [];
    for (const rule of RULES) {
      for (const role of ['viewer', 'user', 'admin'] as const) {
        const answer = await call(hub.api, rule.method, rule.path, { token: tokens[role], body: rule.method === 'GET' ? undefined : {} });
        const where = `${role}: ${rule.method} ${rule.path} → ${answer.status} ${JSON.stringify(answer.body)}`;
        if (roleAllows(role, rule.access)) {
          expect([401, 403], where).not.toContain(answer.status);
        } else {
          expect(answer.status, where).toBe(403);
          expect(answer.body.error.code, where).toBe('forbidden');
          expect(answer.body.error.message, where).toContain(`needs the role ${rule.access}`);
          refusals.push(`${role} ${rule.method}`);
        }
      }
    }
    // The roles differ as documented: viewers read, users also control, admins run the hub.
    expect(refusals.filter((r) => r.startsWith('viewer GET'))).toHaveLength(RULES.filter((r) => r.method === 'GET' && r.access === 'admin').length);
    expect(refusals.filter((r) => r.startsWith('admin'))).toEqual([]);
  });

  it('reads the session cookie as well as the bearer header', async () => {
    const session = (await call(hub.api, 'POST', '/api/auth/login', { body: { username: 'viktor', password: 'viktor-secret-passphrase' } })).body.token;
    expect((await call(hub.api, 'GET', '/api/states', { cookie: `hearth_session=${session}` })).status).toBe(200);
    expect((await call(hub.api, 'POST', '/api/pairing', { cookie: `hearth_session=${session}`, body: {} })).status).toBe(403);
    // ?access_token= is for the stream and the WebSocket only: anywhere else it would end up in logs and histories.
    expect((await call(hub.api, 'GET', `/api/states?access_token=${session}`)).status).toBe(401);
    expect((await call(hub.api, 'GET', `/api/stream?access_token=${session}`)).status).toBe(200);
    expect((await call(hub.api, 'GET', `/api/stream?access_token=nonsense`)).status).toBe(401);
  });

  it('keeps /api/health, login and the UI page public; /metrics needs a token', async () => {
    expect((await call(hub.api, 'GET', '/api/health')).status).toBe(200);
    expect((await call(hub.api, 'GET', '/')).status).toBe(200);
    expect((await call(hub.api, 'GET', '/metrics')).status).toBe(401);
    const metrics = await call(hub.api, 'GET', '/metrics', { token: tokens.viewer });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# HELP /m);
    // An unknown /api path: 401 for nobody (it tells nothing), a plain 404 for a signed-in user.
    expect((await call(hub.api, 'GET', '/api/no-such-route')).status).toBe(401);
    expect((await call(hub.api, 'GET', '/api/no-such-route', { token: tokens.viewer })).status).toBe(404);
  });
});

describe('the access policy', () => {
  it('closes a route without a rule to all but admins, and reports it', () => {
    const app = new Hono().get('/api/devices', (c) => c.text('')).post('/api/forgotten/:id', (c) => c.text('')).all('/api/catch/*', (c) => c.text(''));
    expect(routesWithoutRule(app)).toEqual(['POST /api/forgotten/:id', ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /api/catch/*`)]);
    expect(requiredAccess('POST', '/api/forgotten/:id')).toBe('admin');
    expect(requiredAccess('GET', '/ui/app.js')).toBe('public');
    expect(requiredAccess('HEAD', '/api/devices')).toBe('viewer');
  });

  it('gives viewers reading only, users control of the home, admins the rest', () => {
    const keys = (access: Access) => Object.keys(ACCESS_POLICY).filter((key) => ACCESS_POLICY[key] === access);
    // Besides reading, a viewer may only manage their own login: log out, change password, own API tokens.
    expect(keys('viewer').filter((key) => !key.startsWith('GET '))).toEqual([
      'POST /api/auth/logout',
      'POST /api/profile/password',
      'POST /api/tokens',
      'DELETE /api/tokens/:name',
    ]);
    expect(keys('user').sort()).toEqual(
      [
        'POST /api/entities/:entity_id/commands',
        'PATCH /api/devices/:id',
        'PATCH /api/entities/:entity_id',
        'POST /api/rooms',
        'PATCH /api/rooms/:id',
        'PATCH /api/profile',
      ].sort(),
    );
    expect(keys('public')).toEqual(['GET /', 'GET /api/health', 'POST /api/auth/login', 'POST /api/auth/onboarding']);
    for (const key of ['GET /api/users', 'POST /api/devices', 'DELETE /api/devices/:id', 'POST /api/pairing', 'POST /api/config/validate']) {
      expect(ACCESS_POLICY[key], key).toBe('admin');
    }
  });

  it('ranks the roles viewer < user < admin', () => {
    const allowed = (role: Role) => (['viewer', 'user', 'admin'] as Access[]).filter((access) => roleAllows(role, access));
    expect(allowed('viewer')).toEqual(['viewer']);
    expect(allowed('user')).toEqual(['viewer', 'user']);
    expect(allowed('admin')).toEqual(['viewer', 'user', 'admin']);
  });
});
