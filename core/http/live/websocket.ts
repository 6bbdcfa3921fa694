import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Unsubscribe } from '../../events/bus.ts';
import { routeUpgrades } from '../upgrade-paths.ts';
import type { LiveEvent, LiveFeed } from './live-feed.ts';
import { parseClientMessage, ProtocolError, type ClientMessage, type RequestId } from './ws-messages.ts';

export interface WsLimits {
  /** bytes queued on the socket beyond which a client that does not read is dropped */
  maxBufferedBytes: number;
  /** a WebSocket ping this often; a client that has not answered the previous one is gone */
  pingIntervalMs: number;
  maxSubscriptions: number;
  /** largest client message; a bigger one closes the socket (1009) */
  maxMessageBytes: number;
  /** how often the client's token is checked again: a revoked or expired one closes the socket (1008) */
  recheckMs: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = { maxBufferedBytes: 1024 * 1024, pingIntervalMs: 30_000, maxSubscriptions: 100, maxMessageBytes: 64 * 1024, recheckMs: 2000 };

export interface LiveWebSocketOptions {
  /** Decides before the upgrade (Bearer header, cookie or `?access_token=`); false answers 401. */
  authorize(request: IncomingMessage): Promise<boolean> | boolean;
  log: Logger;
  path?: string;
  limits?: Partial<WsLimits>;
}

/**
 * The live feed over a WebSocket at `/api/ws`: a client subscribes (several
 * times if it likes) with filters and gets the matching events; see
 * docs/api.md for the messages. Returns the closer, which drops every client.
 */
export function serveLiveWebSocket(server: Server, feed: LiveFeed, options: LiveWebSocketOptions): () => void {
  const { log } = options;
  const limits = { ...DEFAULT_WS_LIMITS, ...options.limits };
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    attachClient(ws, feed, limits, log);
    // A long-lived connection must not outlive its credentials.
    const recheck = setInterval(() => {
      void Promise.resolve(options.authorize(request)).then(
        (allowed) => {
          if (allowed || ws.readyState !== WebSocket.OPEN) return;
          log.info('live websocket: its token was revoked or expired; closing it');
          ws.close(1008, 'token revoked or expired');
        },
        (error: Error) => log.error({ err: error }, `live websocket: checking its token failed: ${error.message}`),
      );
    }, limits.recheckMs);
    ws.on('close', () => clearInterval(recheck));
  });

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    let allowed: boolean;
    try {
      allowed = await options.authorize(request);
    } catch (error) {
      log.error({ err: error }, `live websocket: authorizing an upgrade failed: ${(error as Error).message}`);
      return refuse(socket, 500, 'internal', 'internal error');
    }
    if (socket.destroyed) return;
    if (!allowed) return refuse(socket, 401, 'unauthorized', 'a valid token is needed (Authorization: Bearer, the session cookie or ?access_token=)');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  const unroute = routeUpgrades(server, options.path ?? '/api/ws', (request, socket, head) => void upgrade(request, socket, head));
  return () => {
    unroute();
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 500: 'Internal Server Error' };

/** An HTTP answer instead of the upgrade, in the API's error shape. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** One connection: its subscriptions, its keep-alive, its cleanup. */
function attachClient(ws: WebSocket, feed: LiveFeed, limits: WsLimits, log: Logger): void {
  const subscriptions = new Map<number, Unsubscribe>();
  let nextSubscription = 1;
  let answeredPing = true;

  // A replay is bounded by the feed's buffer: while it drains it raises the limit, so only live growth counts.
  let replaying = false;
  let replayBytes = 0;
  const send = (text: string) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > limits.maxBufferedBytes + replayBytes) {
      log.warn({ queued_bytes: ws.bufferedAmount }, `live websocket: client fell ${ws.bufferedAmount} bytes behind and was dropped (it resumes with last_event_id)`);
      ws.terminate();
      return;
    }
    if (!replaying) return ws.send(text);
    const bytes = Buffer.byteLength(text);
    replayBytes += bytes;
    ws.send(text, () => {
      replayBytes -= bytes;
    });
  };
  const reply = (message: object) => send(JSON.stringify(message));
  const withId = (id: RequestId | undefined) => (id === undefined ? {} : { id });

  const handle = (message: ClientMessage) => {
    switch (message.type) {
      case 'subscribe': {
        if (subscriptions.size >= limits.maxSubscriptions) {
          throw new ProtocolError('too_many_subscriptions', `at most ${limits.maxSubscriptions} subscriptions per connection: unsubscribe first`, message.id);
        }
        const subscription = nextSubscription++;
        reply({ type: 'result', id: message.id, success: true, subscription });
        // The event's data is already JSON: spliced in, not serialized again per client.
        const deliver = (event: LiveEvent) =>
          send(`{"type":"event","subscription":${subscription},"event":{"id":${event.id},"type":"${event.type}","data":${event.json}}}`);
        replaying = true;
        try {
          subscriptions.set(subscription, feed.subscribe({ filter: message.filter, deliver, close: () => ws.close(1001, 'hub stopping') }, message.after));
        } finally {
          replaying = false;
        }
        return;
      }
      case 'unsubscribe': {
        const unsubscribe = subscriptions.get(message.subscription);
        if (!unsubscribe) throw new ProtocolError('unknown_subscription', `no subscription ${message.subscription} on this connection`, message.id);
        unsubscribe();
        subscriptions.delete(message.subscription);
        reply({ type: 'result', ...withId(message.id), success: true, subscription: message.subscription });
        return;
      }
      case 'ping':
        reply({ type: 'pong', ...withId(message.id) });
    }
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    try {
      if (isBinary) throw new ProtocolError('invalid_message', 'binary frames are not understood: send JSON text');
      handle(parseClientMessage(data.toString()));
    } catch (error) {
      if (error instanceof ProtocolError) return reply({ type: 'error', ...withId(error.id), error: { code: error.code, message: error.message } });
      log.error({ err: error }, `live websocket: handling a message failed: ${(error as Error).message}`);
      reply({ type: 'error', error: { code: 'internal', message: 'internal error' } });
    }
  });
  ws.on('pong', () => {
    answeredPing = true;
  });
  const keepAlive = setInterval(() => {
    if (!answeredPing) return ws.terminate();
    answeredPing = false;
    ws.ping();
  }, limits.pingIntervalMs);
  ws.on('close', () => {
    clearInterval(keepAlive);
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  });
  ws.on('error', (error) => log.debug({ err: error }, `live websocket: ${error.message}`));
}
