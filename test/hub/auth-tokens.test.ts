import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, onboard, userWithToken } from '../support/auth.ts';
import { announce, eventually, startHub, type TestHub } from '../support/hub.ts';
import { SseClient, WsClient } from '../support/live-clients.ts';

describe('API tokens', () => {
  let hub: TestHub;
  let admin: string;
  beforeAll(async () => {
    hub = await startHub();
    admin = await onboard(hub);
  });
  afterAll(() => hub.stop());

  it('are shown once, listed by name only, unique per user and valid until revoked', async () => {
    const created = await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: 'grafana' } });
    expect(created.status).toBe(201);
    const { token } = created.body;
    expect(token).toMatch(/^hth_[A-Za-z0-9_-]{43}$/);
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(200);
    expect((await call(hub.api, 'GET', '/api/auth/me', { token })).body).toMatchObject({ user: { username: 'ada' }, via: 'token' });

    const listed = await call(hub.api, 'GET', '/api/tokens', { token: admin });
    expect(listed.body.items).toEqual([{ name: 'grafana', created_at: expect.any(String), last_used_at: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const again = await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: 'grafana' } });
    expect(again.status).toBe(409);
    const badName = await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: '../etc' } });
    expect(badName.status).toBe(400);
    expect(badName.body.error.details[0].path).toBe('/name');

    // Revoked: refused on the very next request.
    expect((await call(hub.api, 'DELETE', '/api/tokens/grafana', { token: admin })).status).toBe(204);
    expect((await call(hub.api, 'GET', '/api/states', { token })).status).toBe(401);
    expect((await call(hub.api, 'DELETE', '/api/tokens/grafana', { token: admin })).status).toBe(404);
  });

  it('an admin can list and revoke the tokens of another user', async () => {
    const viktor = await userWithToken(hub, admin, 'viktor', 'viewer');
    expect((await call(hub.api, 'GET', '/api/users/viktor/tokens', { token: admin })).body.items.map((t: { name: string }) => t.name)).toEqual(['tests']);
    expect((await call(hub.api, 'DELETE', '/api/users/viktor/tokens/tests', { token: admin })).status).toBe(204);
    expect((await call(hub.api, 'GET', '/api/states', { token: viktor.token })).status).toBe(401);
    // Logging out with an API token ends no session and leaves the token alone.
    const other = (await call(hub.api, 'POST', '/api/tokens', { token: viktor.session, body: { name: 'script' } })).body.token;
    expect((await call(hub.api, 'POST', '/api/auth/logout', { token: other })).status).toBe(204);
    expect((await call(hub.api, 'GET', '/api/states', { token: other })).status).toBe(200);
  });

  it('records when a token was last used, in batches written with the periodic flush', async () => {
    const { token } = (await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: 'used' } })).body;
    const db = new Database(join(hub.dir, 'data', 'hearth.db'), { readonly: true });
    const lastUsed = () => (db.prepare("select last_used_at from api_tokens where name = 'used'").get() as { last_used_at: number | null }).last_used_at;
    try {
      expect(lastUsed()).toBeNull();
      const before = Date.now();
      for (let i = 0; i < 20; i++) expect((await call(hub.api, 'GET', '/api/health', { token })).status).toBe(200);
      expect((await call(hub.api, 'GET', '/api/rooms', { token })).status).toBe(200);
      const written = await eventually(() => lastUsed() ?? undefined);
      expect(written).toBeGreaterThanOrEqual(before);
    } finally {
      db.close();
    }
  });

  it('opens the live WebSocket only with a valid token: header, cookie or ?access_token=', async () => {
    const url = `ws://127.0.0.1:${hub.hub.httpPort}/api/ws`;
    await expect(WsClient.open(url)).rejects.toThrow('upgrade refused: 401');
    await expect(WsClient.open(`${url}?access_token=hth_nonsense`)).rejects.toThrow('upgrade refused: 401');
    const { token } = (await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: 'dashboard' } })).body;
    for (const client of [
      await WsClient.open(`${url}?access_token=${token}`),
      await WsClient.open(url, { authorization: `Bearer ${token}` }),
      await WsClient.open(url, { cookie: `hearth_session=${admin}` }),
    ]) {
      client.send({ type: 'ping', id: 1 });
      await client.waitFor((m) => m.type === 'pong');
      client.socket.close();
    }
    await call(hub.api, 'DELETE', '/api/tokens/dashboard', { token: admin });
    await expect(WsClient.open(`${url}?access_token=${token}`)).rejects.toThrow('upgrade refused: 401');
  });

  it('ends open live streams within seconds of their token being revoked', async () => {
    const { token } = (await call(hub.api, 'POST', '/api/tokens', { token: admin, body: { name: 'wallboard' } })).body;
    const sse = await SseClient.open(`${hub.api}/api/stream`, { authorization: `Bearer ${token}` });
    const ws = await WsClient.open(`ws://127.0.0.1:${hub.hub.httpPort}/api/ws?access_token=${token}`);
    const subscribers = hub.hub.live.subscriberCount;
    await ws.subscribe({}, 1);
    expect(hub.hub.live.subscriberCount).toBe(subscribers + 1);

    const revokedAt = Date.now();
    expect((await call(hub.api, 'DELETE', '/api/tokens/wallboard', { token: admin })).status).toBe(204);
    await sse.ended;
    expect((await ws.closed).code).toBe(1008);
    // Checked every 2 s: the streams are gone well before a client's next reconnect.
    expect(Date.now() - revokedAt).toBeLessThan(4500);
    await eventually(() => hub.hub.live.subscriberCount === subscribers - 1);
  });

  it('leaves MQTT over WebSocket to its own MQTT accounts', async () => {
    // The test hub allows anonymous MQTT: the device needs no HTTP token on the HTTP port's /mqtt.
    const device = await mqtt.connectAsync(`ws://127.0.0.1:${hub.hub.httpPort}/mqtt`, { clientId: 'ws-dev', reconnectPeriod: 0 });
    await announce(device, 'ws-dev', [{ key: 'lux', kind: 'sensor', unit: 'lx' }]);
    await device.publishAsync('hearth/ws-dev/telemetry', JSON.stringify({ lux: 12 }), { qos: 1 });
    await device.endAsync();
    await eventually(async () => (await call(hub.api, 'GET', '/api/states/sensor.ws_dev_lux', { token: admin })).body.state === 12);
  });
});
