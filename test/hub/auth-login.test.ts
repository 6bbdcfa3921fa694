import { decode } from 'hono/jwt';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, call, login, onboard, userWithToken } from '../support/auth.ts';
import { startHub, type TestHub } from '../support/hub.ts';

const HOUR = 3600_000;

/** A clock the test moves by hand: sessions expire and throttling forgives on it, not on the wall clock. */
function testClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

function cookieOf(answer: { headers: Headers }): string {
  return answer.headers.getSetCookie().find((c) => c.startsWith('hearth_session='))!;
}

describe('onboarding, login and sessions', () => {
  let hub: TestHub;
  afterEach(() => hub.stop());

  it('creates the first admin once, only while no user exists', async () => {
    hub = await startHub();
    const short = await call(hub.api, 'POST', '/api/auth/onboarding', { body: { username: 'ada', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error.details).toEqual([{ in: 'body', path: '/password', message: 'must NOT have fewer than 10 characters' }]);
    // Two at once: exactly one becomes the admin.
    const [first, second] = await Promise.all([
      call(hub.api, 'POST', '/api/auth/onboarding', { body: ADMIN }),
      call(hub.api, 'POST', '/api/auth/onboarding', { body: { username: 'eve', password: 'eve-secret-passphrase' } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const winner = first.status === 201 ? first : second;
    expect(winner.body.user.role).toBe('admin');
    expect(cookieOf(winner)).toMatch(/^hearth_session=ey/);
    const again = await call(hub.api, 'POST', '/api/auth/onboarding', { body: { username: 'mallory', password: 'mallory-passphrase' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: 'conflict', message: 'a user exists already: onboarding is over, log in with POST /api/auth/login' });
    const users = await call(hub.api, 'GET', '/api/users', { token: winner.body.token });
    expect(users.body.items.map((u: { username: string }) => u.username)).toEqual([winner.body.user.username]);
  });

  it('logs in with a 72 h JWT in the body and an HttpOnly, SameSite=Strict cookie; logout ends it', async () => {
    hub = await startHub();
    await onboard(hub);
    const answer = await login(hub, 'ADA', ADMIN.password); // usernames are not case-sensitive
    expect(answer.status).toBe(200);
    const { token, expires_at, user } = answer.body;
    expect(Object.keys(user).sort()).toEqual(['created_at', 'email', 'id', 'phone', 'preferences', 'role', 'updated_at', 'username']);
    const { header, payload } = decode(token);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({ sub: String(user.id), role: 'admin', sid: expect.any(String), iat: expect.any(Number), exp: (payload.iat as number) + 72 * 3600 });
    expect(Date.parse(expires_at)).toBe((payload.exp as number) * 1000);
    const cookie = cookieOf(answer);
    expect(cookie.split('; ').sort()).toEqual([`hearth_session=${token}`, 'HttpOnly', 'Max-Age=259200', 'Path=/', 'SameSite=Strict'].sort());
    // Behind a TLS proxy the cookie is Secure.
    const viaHttps = await call(hub.api, 'POST', '/api/auth/login', { body: ADMIN, headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(viaHttps).split('; ')).toContain('Secure');

    expect((await call(hub.api, 'GET', '/api/auth/me', { token })).body).toMatchObject({ user: { username: 'ada' }, via: 'session', onboarding: false });
    const out = await call(hub.api, 'POST', '/api/auth/logout', { cookie: `hearth_session=${token}` });
    expect(out.status).toBe(204);
    expect(cookieOf(out)).toMatch(/^hearth_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/);
    // The JWT is still signed and unexpired, but its session is gone.
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(401);
    expect((await call(hub.api, 'GET', '/api/states', { token: viaHttps.body.token })).status).toBe(200);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    hub = await startHub();
    await onboard(hub);
    const wrong = await login(hub, 'ada', 'not-the-password');
    const unknown = await login(hub, 'nobody', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).toEqual({ error: { code: 'unauthorized', message: 'wrong username or password' } });
  });

  it('expires a session after 72 hours on the hub clock', async () => {
    const clock = testClock();
    hub = await startHub({ clock: clock.now });
    const token = await onboard(hub);
    clock.advance(72 * HOUR - 60_000);
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(200);
    clock.advance(2 * 60_000);
    const expired = await call(hub.api, 'GET', '/api/states', { token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/invalid, expired or revoked/);
    expect((await login(hub, ADMIN.username, ADMIN.password)).status).toBe(200);
  });

  it('ends sessions on a password change, a role change and removal; API tokens follow the current role', async () => {
    hub = await startHub();
    const admin = await onboard(hub);
    const ursula = await userWithToken(hub, admin, 'ursula', 'user');
    const command = () => call(hub.api, 'PATCH', '/api/devices/no-such-thing', { token: ursula.token, body: { name: 'x' } });
    expect((await command()).status).toBe(404);

    // Her own password: the old session ends, the answer is a new one.
    const changed = await call(hub.api, 'POST', '/api/profile/password', {
      token: ursula.session,
      body: { current_password: ursula.password, new_password: 'ursula-new-passphrase' },
    });
    expect(changed.status).toBe(200);
    expect((await call(hub.api, 'GET', '/api/profile', { token: ursula.session })).status).toBe(401);
    expect((await call(hub.api, 'GET', '/api/profile', { token: changed.body.token })).body.username).toBe('ursula');
    expect((await login(hub, 'ursula', ursula.password)).status).toBe(401);
    const wrongCurrent = await call(hub.api, 'POST', '/api/profile/password', { token: changed.body.token, body: { current_password: 'guess-guess-guess', new_password: 'whatever-passphrase' } });
    expect(wrongCurrent.status).toBe(401);

    // An admin makes her a viewer: her session ends; her API token now acts as a viewer.
    expect((await call(hub.api, 'PATCH', '/api/users/ursula', { token: admin, body: { role: 'viewer' } })).body.role).toBe('viewer');
    expect((await call(hub.api, 'GET', '/api/profile', { token: changed.body.token })).status).toBe(401);
    expect((await command()).status).toBe(403);

    // Removed: her token is refused at once.
    expect((await call(hub.api, 'DELETE', '/api/users/ursula', { token: admin })).status).toBe(204);
    expect((await call(hub.api, 'GET', '/api/states', { token: ursula.token })).status).toBe(401);

    // The last admin stays: nobody could manage users otherwise.
    const demote = await call(hub.api, 'PATCH', '/api/users/ada', { token: admin, body: { role: 'user' } });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/ada is the only admin/);
    expect((await call(hub.api, 'DELETE', '/api/users/ada', { token: admin })).status).toBe(409);
  });

  it('keeps a validated profile: email, phone and notification preferences', async () => {
    hub = await startHub();
    const admin = await onboard(hub);
    const preferences = { channels: ['sms', 'email'], quiet_hours: { from: '23:00', to: '07:00' } };
    const saved = await call(hub.api, 'PATCH', '/api/profile', { token: admin, body: { email: 'ada@example.org', phone: '+4915112345678', preferences } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ email: 'ada@example.org', phone: '+4915112345678', preferences });
    const bad = await call(hub.api, 'PATCH', '/api/profile', {
      token: admin,
      body: { email: 'not an address', preferences: { channels: ['SMS'], quiet_hours: { from: '25:00' }, colour: 'red' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['/email', '/preferences/channels/0', '/preferences/colour', '/preferences/quiet_hours/from', '/preferences/quiet_hours/to'].sort(),
    );
    expect((await call(hub.api, 'GET', '/api/profile', { token: admin })).body.preferences).toEqual(preferences);
  });
});

describe('failed logins', () => {
  let hub: TestHub;
  afterEach(() => hub.stop());

  it('locks a username after 5 failures in 15 min, 30 s then doubling; a success clears it', async () => {
    const clock = testClock();
    hub = await startHub({ clock: clock.now });
    await onboard(hub);
    for (let i = 0; i < 5; i++) expect((await login(hub, 'ada', `wrong-${i}`)).status).toBe(401);
    const locked = await login(hub, 'ada', ADMIN.password);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('30');
    expect(locked.body.error.code).toBe('too_many_requests');
    clock.advance(31_000);
    // Still within the window: one more failure locks for twice as long.
    expect((await login(hub, 'ada', 'wrong-again')).status).toBe(401);
    expect((await login(hub, 'ada', ADMIN.password)).headers.get('retry-after')).toBe('60');
    clock.advance(61_000);
    expect((await login(hub, 'ada', ADMIN.password)).status).toBe(200);
    // Cleared: the next failure is just a failure.
    expect((await login(hub, 'ada', 'wrong-once-more')).status).toBe(401);
    expect((await login(hub, 'ada', ADMIN.password)).status).toBe(200);
  });

  it('locks an address that tries many usernames, known or not, without telling which exist', async () => {
    const clock = testClock();
    hub = await startHub({ clock: clock.now });
    await onboard(hub);
    for (const name of ['root', 'admin', 'ada', 'pi', 'guest']) expect((await login(hub, name, 'password123')).status).toBe(401);
    const unknownLocked = await login(hub, 'nobody', 'password123');
    const knownLocked = await login(hub, 'ada', ADMIN.password);
    expect(unknownLocked.status).toBe(429);
    expect(knownLocked.body).toEqual(unknownLocked.body);
    clock.advance(15 * 60_000);
    expect((await login(hub, 'ada', ADMIN.password)).status).toBe(200);
    expect(hub.logs.filter((l) => /refused: too many failures/.test(l.msg))).toHaveLength(2);
  });
});
