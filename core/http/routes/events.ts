import { Hono } from 'hono';
import type { EventLog, LoggedEvent } from '../../store/event-log.ts';
import { LoggedEvent as EventSchema, pageQuery, pageSchema, timeRangeQuery } from '../api-schema.ts';
import { decodeCursor, encodeCursor, mapPage, type Page } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';
import { parseTimeRange } from '../time-params.ts';

const LIST = 'events';

const list = spec({
  summary: 'Read the event log, newest first',
  description: 'Motion started and ended, doors, devices online and offline, commands, plugin events. The last 24 hours unless `from`/`to` say otherwise.',
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...timeRangeQuery('24 hours'),
      type: { type: 'string', description: 'e.g. motion_started, device_offline' },
      device: { type: 'string', description: 'a device id' },
      ...pageQuery,
    },
  },
  responses: { 200: { description: 'a page of events', schema: pageSchema(EventSchema) } },
});

/** `GET /api/events`: keyset pages over (ts, id) descending, so events logged meanwhile never shift a page. */
export function eventRoutes(events: EventLog): Hono {
  return new Hono().get('/', list, async (c) => {
    const query = c.req.valid('query');
    const { from, to } = parseTimeRange(query.from, query.to);
    const after = query.cursor === undefined ? undefined : decodeCursor(LIST, query.cursor, 2);
    // One more than asked: whether it exists says if there is a next page.
    const found = await events.query({
      from,
      to,
      limit: query.limit + 1,
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.device === undefined ? {} : { device: query.device }),
      ...(after ? { before: { ts: Number(after[0]), id: Number(after[1]) } } : {}),
    });
    const items = found.slice(0, query.limit);
    const last = items.at(-1);
    const page: Page<LoggedEvent> = { items, next_cursor: found.length > query.limit && last ? encodeCursor(LIST, [last.ts, last.id]) : null };
    return c.json(mapPage(page, (e) => ({ ...e, ts: iso(e.ts) })));
  });
}
