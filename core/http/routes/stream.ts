import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Context } from 'hono';
import { badRequest } from '../errors.ts';
import { parseEventId, parseFilter, SubscriptionError, type LiveFilter } from '../live/filters.ts';
import type { LiveFeed } from '../live/live-feed.ts';
import { DEFAULT_SSE_LIMITS, streamLive, type SseLimits, type StillAllowed } from '../live/sse.ts';
import { spec } from '../route-spec.ts';

/**
 * `GET /api/stream?entity=&device=&type=` (comma-separated or repeated): live
 * hub events as Server-Sent Events; resumes after the `Last-Event-ID` header
 * (what EventSource sends on reconnect) or else `?last_event_id=`.
 */
const oneOrMore = (description: string) => ({ type: ['string', 'array'], items: { type: 'string' }, description }) as const;

const stream = spec({
  summary: 'Follow hub events live (Server-Sent Events)',
  description: 'Each message has `id`, `event` (the type) and `data` (JSON). Filters combine with AND across kinds, OR within one.',
  tags: ['live'],
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      entity: oneOrMore('entity ids, comma-separated or repeated'),
      device: oneOrMore('device ids'),
      type: oneOrMore('event types: state_changed, device_registered, device_removed, device_online, device_offline, entity_registered, event_logged'),
      last_event_id: { type: 'string', description: 'resume after this id (the Last-Event-ID header wins)' },
      access_token: { type: 'string', description: 'for EventSource, which cannot send an Authorization header' },
    },
  },
  responses: { 200: { description: 'the event stream', contentType: 'text/event-stream' } },
});

export function streamRoutes(
  feed: LiveFeed,
  log: Logger,
  /** for a stream being opened: what tells, later on, whether its client may still follow it */
  allowance: (c: Context) => StillAllowed,
  limits: SseLimits = DEFAULT_SSE_LIMITS,
): Hono<{ Bindings: HttpBindings }> {
  return new Hono<{ Bindings: HttpBindings }>().get('/', stream, (c) => {
    const { filter, after } = parseStreamRequest(c.req.queries(), c.req.header('Last-Event-ID'));
    return streamLive(c, feed, { filter, after, stillAllowed: allowance(c) }, limits, log);
  });
}

function parseStreamRequest(query: Record<string, string[]>, lastEventIdHeader: string | undefined): { filter: LiveFilter; after?: number } {
  const list = (values: string[] | undefined) => values?.flatMap((value) => value.split(',').map((v) => v.trim()));
  try {
    const filter = parseFilter({ entity: list(query.entity), device: list(query.device), type: list(query.type) }, { entity: 'entity', device: 'device', type: 'type' });
    if (lastEventIdHeader !== undefined) return { filter, after: parseEventId('Last-Event-ID', lastEventIdHeader) };
    if (query.last_event_id) return { filter, after: parseEventId('last_event_id', query.last_event_id[0]) };
    return { filter };
  } catch (error) {
    throw error instanceof SubscriptionError ? badRequest(error.message) : error;
  }
}
