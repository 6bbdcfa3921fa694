/**
 * The live stream's transport limits, on a real HTTP server with the hub's
 * routes and WebSocket handler but small limits, fed from a real EventBus:
 * slow clients are dropped, quiet streams get heartbeats, upgrades are authorized.
 */
import { get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../core/events/bus.ts';
import { LiveFeed } from '../../core/http/live/live-feed.ts';
import { serveLiveWebSocket } from '../../core/http/live/websocket.ts';
import { streamRoutes } from '../../core/http/routes/stream.ts';
import { listen, type HttpServer } from '../../core/http/server.ts';
import { eventually } from '../support/hub.ts';
import { SseClient, WsClient } from '../support/live-clients.ts';
import { captureLog } from './support.ts';

const LIMIT = 64 * 1024;

/** Status and JSON body of an upgrade the server answers with plain HTTP. */
function refusedUpgrade(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = get(url.replace('ws:', 'http:'), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    request.on('upgrade', () => reject(new Error(`${url} was accepted`)));
    request.on('response', async (response) => {
      let body = '';
      for await (const chunk of response) body += chunk;
      resolve({ status: response.statusCode!, body: JSON.parse(body) });
    });
    request.on('error', reject);
  });
}

describe('live stream limits', () => {
  let http: HttpServer | undefined;
  const closers: Array<() => void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await http?.close();
    http = undefined;
  });

  async function serve(authorize: (request: IncomingMessage) => Promise<boolean> | boolean = () => true) {
    const { log, lines } = captureLog();
    const bus = new EventBus(log);
    const feed = new LiveFeed(bus, () => 'd', log);
    const app = new Hono().route('/api/stream', streamRoutes(feed, log, () => async () => true, { heartbeatMs: 50, maxQueuedBytes: LIMIT, recheckMs: 60_000 }));
    http = await listen(app, '127.0.0.1', 0);
    closers.push(serveLiveWebSocket(http.server, feed, { authorize, log, limits: { maxBufferedBytes: LIMIT } }));
    const base = `127.0.0.1:${http.port}`;
    /** `count` state changes of ~10 kB each, 20 kB per timer tick: a client that reads keeps up (this process reads it too). */
    const flood = async (count: number) => {
      const blob = 'x'.repeat(10_000);
      for (let i = 0; i < count; i++) {
        bus.emit('state_changed', { entity_id: 'sensor.d_x', old_state: null, new_state: { entity_id: 'sensor.d_x', state: i, attributes: { blob }, last_changed: i, last_updated: i } });
        if (i % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    return { feed, lines, flood, sseUrl: `http://${base}/api/stream`, wsUrl: `ws://${base}/api/ws` };
  }

  /** A client that asks for the stream and then never reads a byte. */
  async function stalledSse(url: string): Promise<Socket> {
    const { host, pathname } = new URL(url);
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause();
    closers.push(() => socket.destroy());
    return socket;
  }

  it('drops an SSE client that does not read instead of buffering for it, and keeps serving the others', async () => {
    const { feed, lines, flood, sseUrl } = await serve();
    const reader = await SseClient.open(sseUrl);
    closers.push(() => reader.close());
    await stalledSse(sseUrl);
    await eventually(() => feed.subscriberCount === 2);

    const count = 800; // 8 MB: more than the socket buffers take (about 4 MB here)
    await flood(count);
    await eventually(() => feed.subscriberCount === 1);
    const dropped = lines.find((l) => l.msg.includes('was dropped'));
    expect(dropped).toMatchObject({ level: 40, msg: expect.stringMatching(/^live stream: client fell \d+ bytes behind and was dropped/) });
    // Never more than the limit plus the one message that crossed it.
    expect(dropped!.queued_bytes as number).toBeLessThanOrEqual(LIMIT + 11_000);
    await eventually(() => reader.messages.length === count, 10_000);
    expect(reader.states.map((s) => s.value)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('drops a WebSocket client that does not read', async () => {
    const { feed, lines, flood, wsUrl } = await serve();
    const slow = await WsClient.open(wsUrl);
    closers.push(() => slow.close());
    await slow.subscribe({}, 1);
    slow.socket.pause();
    await flood(800);
    await eventually(() => feed.subscriberCount === 0);
    expect(lines.some((l) => /^live websocket: client fell \d+ bytes behind and was dropped/.test(l.msg))).toBe(true);
  });

  it('delivers a replay bigger than the limit whole: the buffer bounds it already', async () => {
    const { feed, flood, sseUrl, wsUrl } = await serve();
    const count = 30; // 300 kB, several times the limit
    // A client left a moment ago: within the resume window the feed buffers what follows.
    feed.subscribe({ filter: {}, deliver: () => undefined, close: () => undefined })();
    await flood(count);
    const sse = await SseClient.open(`${sseUrl}?last_event_id=0`);
    const ws = await WsClient.open(wsUrl);
    closers.push(() => sse.close(), () => ws.close());
    const subscription = await ws.subscribe({ last_event_id: 0 }, 1);
    await eventually(() => sse.messages.length === count + 1 && ws.events(subscription).length === count + 1);
    expect(sse.messages.map((m) => m.event)).toEqual(['reset', ...Array<string>(count).fill('state_changed')]);
    expect(ws.events(subscription).map((e) => e.type)).toEqual(['reset', ...Array<string>(count).fill('state_changed')]);
    expect(feed.subscriberCount).toBe(2);
  });

  it('sends a heartbeat comment on a quiet SSE stream', async () => {
    const { sseUrl } = await serve();
    const quiet = await SseClient.open(sseUrl);
    closers.push(() => quiet.close());
    await eventually(() => quiet.comments.length >= 2);
    expect(quiet.comments[0]).toBe('keep-alive');
    expect(quiet.messages).toEqual([]);
  });

  it('asks authorize() before the upgrade: 401 when it says no, 500 when it fails', async () => {
    const { wsUrl, lines } = await serve((request) => {
      const token = new URL(request.url!, 'http://hub').searchParams.get('access_token');
      if (token === 'broken') throw new Error('token store unavailable');
      return Promise.resolve(token === 'good' || request.headers.authorization === 'Bearer good');
    });
    expect(await refusedUpgrade(wsUrl)).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'a valid token is needed (Authorization: Bearer, the session cookie or ?access_token=)' } },
    });
    await expect(WsClient.open(`${wsUrl}?access_token=bad`)).rejects.toThrow('upgrade refused: 401');
    await expect(WsClient.open(`${wsUrl}?access_token=broken`)).rejects.toThrow('upgrade refused: 500');
    expect(lines.some((l) => l.msg === 'live websocket: authorizing an upgrade failed: token store unavailable')).toBe(true);
    const byQuery = await WsClient.open(`${wsUrl}?access_token=good`);
    const byHeader = await WsClient.open(wsUrl, { Authorization: 'Bearer good' });
    closers.push(() => byQuery.close(), () => byHeader.close());
    byHeader.send({ type: 'ping' });
    expect(await byHeader.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong', at: expect.any(Number) });
  });
});
