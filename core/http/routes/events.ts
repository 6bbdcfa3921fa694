import { Hono } from 'hono';
import type { EventLog } from '../../store/event-log.ts';
import { iso } from '../serialize.ts';
import { parseIntParam, parseTimeRange } from '../time-params.ts';

/** `GET /api/events?from=&to=&type=&device=&limit=`: the event log, newest first, the last 24 hours by default. */
export function eventRoutes(events: EventLog): Hono {
  return new Hono().get('/', async (c) => {
    const { from, to } = parseTimeRange(c.req.query('from'), c.req.query('to'));
    const limit = parseIntParam('limit', c.req.query('limit'), 1000, 1, 10_000);
    const found = await events.query({ from, to, limit, type: c.req.query('type'), device: c.req.query('device') });
    return c.json(found.map((e) => ({ ...e, ts: iso(e.ts) })));
  });
}
