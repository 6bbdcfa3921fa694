import { Hono } from 'hono';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { History, TimeSeriesStore } from '../../store/timeseries.ts';
import { dateTime, notFoundResponse, timeRangeQuery } from '../api-schema.ts';
import { badRequest, notFound } from '../errors.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';
import { parseDuration, parseTimeRange } from '../time-params.ts';

const MAX_BUCKETS = 10_000;

const history = spec({
  summary: 'Read the history of an entity',
  description:
    'At most `points` points over any range: raw readings when they fit, else min/mean/max buckets from raw readings, 1-minute or 1-hour rollups. The last 24 hours unless `from`/`to` say otherwise.',
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...timeRangeQuery('24 hours'),
      points: { type: 'integer', minimum: 2, maximum: MAX_BUCKETS, default: 500, description: 'at most this many points' },
      step: { type: 'string', description: 'a fixed bucket instead: 30s, 5m, 1h, 1d' },
      format: { enum: ['json', 'csv'], default: 'json' },
    },
  },
  responses: {
    200: {
      description: 'the points; as text/csv for format=csv',
      schema: {
        type: 'object',
        required: ['entity_id', 'unit', 'from', 'to', 'resolution', 'step_ms', 'points'],
        properties: {
          entity_id: { type: 'string' },
          unit: { type: ['string', 'null'] },
          from: dateTime,
          to: dateTime,
          resolution: { type: 'string', description: 'raw, minute or hour: where the points come from' },
          step_ms: { type: ['integer', 'null'], description: 'bucket width; null for raw readings' },
          points: {
            type: 'array',
            description: 'raw: {ts, value}; buckets: {ts, min, mean, max, last, count}',
            items: { type: 'object', required: ['ts'], properties: { ts: dateTime } },
          },
        },
      },
    },
    404: notFoundResponse('entity'),
  },
});

export function historyRoutes(entities: EntityRegistry, store: TimeSeriesStore): Hono {
  return new Hono().get('/:entity_id', history, async (c) => {
    const entity = entities.get(c.req.param('entity_id'));
    if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
    const query = c.req.valid('query');
    const { from, to } = parseTimeRange(query.from, query.to);
    const step = query.step === undefined ? undefined : parseDuration('step', query.step);
    // Counted as the store counts them: every epoch-aligned bucket the range touches.
    if (step !== undefined && Math.floor(to / step) - Math.floor(from / step) + 1 > MAX_BUCKETS) {
      throw badRequest(`step: ${query.step} over this range gives more than ${MAX_BUCKETS} buckets; widen the step or narrow the range`);
    }
    const found = await store.history({ entity: entity.id, from, to, points: query.points, ...(step !== undefined ? { step } : {}) });
    if (query.format === 'csv') {
      const name = `${entity.entity_id}_${iso(from)}_${iso(to)}.csv`.replace(/:/g, '');
      return c.body(toCsv(found), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` });
    }
    return c.json({
      entity_id: entity.entity_id,
      unit: entity.unit,
      from: iso(from),
      to: iso(to),
      resolution: found.resolution,
      step_ms: found.step,
      points:
        found.step === null
          ? found.points.map((p) => ({ ts: iso(p.ts), value: p.last }))
          : found.points.map((p) => ({ ts: iso(p.ts), min: p.min, mean: p.mean, max: p.max, last: p.last, count: p.count })),
    });
  });
}

function toCsv(history: History): string {
  if (history.step === null) return `ts,value\n${history.points.map((p) => `${iso(p.ts)},${p.last}`).join('\n')}\n`;
  const rows = history.points.map((p) => `${iso(p.ts)},${p.min},${p.mean},${p.max},${p.last},${p.count}`);
  return `ts,min,mean,max,last,count\n${rows.join('\n')}\n`;
}
