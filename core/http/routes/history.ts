import { Hono } from 'hono';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { TimeSeriesStore } from '../../store/timeseries.ts';
import { badRequest, notFound } from '../errors.ts';
import { iso } from '../serialize.ts';
import { parseIntParam, parseTimeParam } from '../time-params.ts';

const DAY_MS = 24 * 3600_000;

/** `GET /api/history/:entity_id?from=&to=&limit=`: readings in a range, the last 24 hours by default. */
export function historyRoutes(entities: EntityRegistry, store: TimeSeriesStore): Hono {
  return new Hono().get('/:entity_id', async (c) => {
    const entity = entities.get(c.req.param('entity_id'));
    if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
    const to = parseTimeParam('to', c.req.query('to'), Date.now());
    const from = parseTimeParam('from', c.req.query('from'), to - DAY_MS);
    if (from > to) throw badRequest(`from (${iso(from)}) is after to (${iso(to)})`);
    const limit = parseIntParam('limit', c.req.query('limit'), 10_000, 1, 100_000);
    const history = await store.history({ entity: entity.id, from, to, limit });
    return c.json({
      entity_id: entity.entity_id,
      unit: entity.unit,
      from: iso(from),
      to: iso(to),
      resolution: history.resolution,
      truncated: history.truncated,
      points: history.points.map((p) => ({ ts: iso(p.ts), value: p.value })),
    });
  });
}
