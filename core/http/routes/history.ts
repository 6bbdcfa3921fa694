import { Hono } from 'hono';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { History, TimeSeriesStore } from '../../store/timeseries.ts';
import { badRequest, notFound } from '../errors.ts';
import { iso } from '../serialize.ts';
import { parseDuration, parseIntParam, parseTimeRange } from '../time-params.ts';

const MAX_BUCKETS = 10_000;

/**
 * `GET /api/history/:entity_id?from=&to=&points=500&step=&format=csv`: at
 * most `points` points over any range (raw readings when they fit, else
 * min/mean/max buckets from raw, 1-minute or 1-hour data), the last 24 hours
 * by default.
 */
export function historyRoutes(entities: EntityRegistry, store: TimeSeriesStore): Hono {
  return new Hono().get('/:entity_id', async (c) => {
    const entity = entities.get(c.req.param('entity_id'));
    if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
    const { from, to } = parseTimeRange(c.req.query('from'), c.req.query('to'));
    const points = parseIntParam('points', c.req.query('points'), 500, 2, MAX_BUCKETS);
    const step = c.req.query('step') === undefined ? undefined : parseDuration('step', c.req.query('step')!);
    // Counted as the store counts them: every epoch-aligned bucket the range touches.
    if (step !== undefined && Math.floor(to / step) - Math.floor(from / step) + 1 > MAX_BUCKETS) {
      throw badRequest(`step: ${c.req.query('step')} over this range gives more than ${MAX_BUCKETS} buckets; widen the step or narrow the range`);
    }
    const history = await store.history({ entity: entity.id, from, to, points, ...(step !== undefined ? { step } : {}) });
    const format = c.req.query('format') ?? 'json';
    if (format === 'csv') {
      const name = `${entity.entity_id}_${iso(from)}_${iso(to)}.csv`.replace(/:/g, '');
      return c.body(toCsv(history), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` });
    }
    if (format !== 'json') throw badRequest(`format: expected json or csv, got "${format}"`);
    return c.json({
      entity_id: entity.entity_id,
      unit: entity.unit,
      from: iso(from),
      to: iso(to),
      resolution: history.resolution,
      step_ms: history.step,
      points:
        history.step === null
          ? history.points.map((p) => ({ ts: iso(p.ts), value: p.last }))
          : history.points.map((p) => ({ ts: iso(p.ts), min: p.min, mean: p.mean, max: p.max, last: p.last, count: p.count })),
    });
  });
}

function toCsv(history: History): string {
  if (history.step === null) return `ts,value\n${history.points.map((p) => `${iso(p.ts)},${p.last}`).join('\n')}\n`;
  const rows = history.points.map((p) => `${iso(p.ts)},${p.min},${p.mean},${p.max},${p.last},${p.count}`);
  return `ts,min,mean,max,last,count\n${rows.join('\n')}\n`;
}
