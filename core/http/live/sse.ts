import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import type { LiveFilter } from './filters.ts';
import type { LiveEvent, LiveFeed } from './live-feed.ts';

export interface SseLimits {
  /** a comment line this often keeps proxies from closing a quiet stream */
  heartbeatMs: number;
  /** bytes written but not yet taken by the socket beyond which the client is dropped */
  maxQueuedBytes: number;
  /** how often the client's token is checked again: a stream ends soon after its token is revoked or expires */
  recheckMs: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { heartbeatMs: 20_000, maxQueuedBytes: 1024 * 1024, recheckMs: 2000 };

/** Whether the client may still follow the stream (its token not revoked or expired). */
export type StillAllowed = () => Promise<boolean>;

export type NodeContext = Context<{ Bindings: HttpBindings }>;

/** `id:`, `event:`, `data:`; JSON never holds a raw line break, so one data line is enough. */
export function formatSse(event: LiveEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${event.json}\n\n`;
}

/**
 * Answers with a Server-Sent Events stream of the feed: first what the client
 * missed after `after`, then live events, until the client goes, the hub
 * stops, or the client falls too far behind. A slow client is dropped rather
 * than buffered for without bound: it reconnects with its Last-Event-ID and
 * gets the rest from the feed's buffer.
 */
export function streamLive(
  c: NodeContext,
  feed: LiveFeed,
  request: { filter: LiveFilter; after?: number | undefined; stillAllowed: StillAllowed },
  limits: SseLimits,
  log: Logger,
): Response {
  const { filter, after, stillAllowed } = request;
  return streamSSE(c, async (stream) => {
    let queued = 0;
    let replaying = true;
    let open = true;
    let resolveFinished!: () => void;
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    const finish = () => {
      open = false;
      resolveFinished();
    };

    const drop = () => {
      log.warn({ client: c.env.incoming.socket.remoteAddress, queued_bytes: queued }, `live stream: client fell ${queued} bytes behind and was dropped (it resumes with Last-Event-ID)`);
      finish();
      // Destroying the connection frees what the socket holds too; a polite end would queue behind it.
      c.env.outgoing.destroy();
    };
    // The replay is bounded by the feed's buffer: it raises the limit until it has drained, so only live growth counts.
    let limit = limits.maxQueuedBytes;
    const send = (text: string) => {
      if (!open) return;
      if (queued > limit) return drop();
      const bytes = Buffer.byteLength(text);
      const replayed = replaying;
      queued += bytes;
      if (replayed) limit += bytes;
      // Resolves once the response has taken the chunk, which it does only as fast as the socket drains.
      void stream.write(text).then(() => {
        queued -= bytes;
        if (replayed) limit -= bytes;
      });
    };

    stream.onAbort(finish);
    const unsubscribe = feed.subscribe({ filter, deliver: (event) => send(formatSse(event)), close: finish }, after);
    replaying = false;
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), limits.heartbeatMs);
    // A long-lived request must not outlive its credentials.
    const recheck = setInterval(() => {
      void stillAllowed().then(
        (allowed) => {
          if (allowed || !open) return;
          log.info('live stream: its token was revoked or expired; the stream ends');
          finish();
        },
        (error: Error) => log.error({ err: error }, `live stream: checking its token failed: ${error.message}`),
      );
    }, limits.recheckMs);
    try {
      await finished;
    } finally {
      clearInterval(heartbeat);
      clearInterval(recheck);
      unsubscribe();
    }
  });
}
