import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type CallOptions } from '../support/auth.ts';
import { startHub, type TestHub } from '../support/hub.ts';

describe('secrets stay secret', () => {
  let hub: TestHub;
  afterAll(() => hub.stop());

  it('never puts a password, token, hash or the signing key in a log line or an answer not meant to carry it', async () => {
    hub = await startHub();
    /** Every answer's body and headers, except the one answer that hands out a new token (it must carry it). */
    const answers: string[] = [];
    const record = async (method: string, path: string, options: CallOptions = {}, issues = false) => {
      const answer = await call(hub.api, method, path, options);
      if (!issues) answers.push(JSON.stringify(answer.body) + JSON.stringify([...answer.headers]));
      return answer;
    };
    const passwords = ['first-admin-passphrase', 'second-user-passphrase', 'changed-own-passphrase', 'reset-by-admin-pass', 'wrong-guess-passphrase', 'short'];
    const [adminPw, userPw, changedPw, resetPw, wrongPw, shortPw] = passwords as [string, string, string, string, string, string];

    await record('POST', '/api/auth/onboarding', { body: { username: 'ada', password: shortPw } });
    const admin = (await record('POST', '/api/auth/onboarding', { body: { username: 'ada', password: adminPw } }, true)).body.token as string;
    await record('POST', '/api/users', { token: admin, body: { username: 'bob', password: userPw, role: 'user' } });
    await record('POST', '/api/users', { token: admin, body: { username: 'bob', password: userPw, role: 'user' } }); // 409
    await record('POST', '/api/auth/login', { body: { username: 'bob', password: wrongPw } });
    await record('POST', '/api/auth/login', { body: { username: wrongPw, password: userPw } });
    const bob = (await record('POST', '/api/auth/login', { body: { username: 'bob', password: userPw } }, true)).body.token as string;
    const apiToken = (await record('POST', '/api/tokens', { token: bob, body: { name: 'script' } }, true)).body.token as string;
    await record('GET', '/api/tokens', { token: bob });
    await record('GET', '/api/states', { token: apiToken });
    await record('GET', '/api/users', { token: admin });
    await record('GET', '/api/users/bob', { token: admin });
    await record('GET', '/api/auth/me', { token: bob });
    await record('GET', '/api/profile', { token: apiToken });
    await record('POST', '/api/profile/password', { token: bob, body: { current_password: wrongPw, new_password: changedPw } });
    await record('POST', '/api/profile/password', { token: bob, body: { current_password: userPw, new_password: shortPw } });
    const bobAgain = (await record('POST', '/api/profile/password', { token: bob, body: { current_password: userPw, new_password: changedPw } }, true)).body.token;
    await record('POST', '/api/users/bob/password', { token: admin, body: { password: resetPw } });
    await record('GET', '/api/states', { token: bob }); // ended session: 401
    await record('GET', '/api/openapi.json', { token: admin });
    await record('POST', '/api/auth/logout', { token: admin });

    const db = new Database(join(hub.dir, 'data', 'hearth.db'), { readonly: true });
    const hashes = [
      ...db.prepare('select password_hash as h from users').all(),
      ...db.prepare('select token_hash as h from api_tokens').all(),
    ].map((row) => (row as { h: string }).h);
    db.close();
    expect(hashes).toHaveLength(3);
    const key = readFileSync(join(hub.dir, 'data', 'http-secret'), 'utf8').trim();
    const secrets = [...passwords.filter((p) => p !== 'short'), admin, bob, bobAgain, apiToken, apiToken.slice(4), key, ...hashes, ...hashes.map((h) => h.split('$').at(-1)!)];

    const logText = JSON.stringify(hub.logs);
    expect(hub.logs.length).toBeGreaterThan(10);
    expect(logText).toContain('wrong username or password from');
    for (const secret of secrets) {
      expect(logText.includes(secret), `log contains ${secret.slice(0, 6)}…`).toBe(false);
      for (const answer of answers) expect(answer.includes(secret), `an answer contains ${secret.slice(0, 6)}…`).toBe(false);
    }
    expect(answers.join()).not.toMatch(/password_hash|token_hash|scrypt\$/);
  });

  it('keeps the signing key in the data dir, readable by the hub only; sessions survive a restart', async () => {
    const file = join(hub.dir, 'data', 'http-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = (await call(hub.api, 'POST', '/api/auth/login', { body: { username: 'ada', password: 'first-admin-passphrase' } })).body.token;
    hub = await hub.restart();
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(200);
  });
});
