import { Hono } from 'hono';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { RoomRegistry } from '../../registry/rooms.ts';
import { consumption } from '../../store/statistics.ts';
import type { TimeSeriesStore } from '../../store/timeseries.ts';
import { dateTime, timeRangeQuery } from '../api-schema.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';
import { parseTimeRange } from '../time-params.ts';

const DEFAULT_SPAN_MS = 7 * 86_400_000;

const consumptionSpec = spec({
  summary: 'Consumption of counters (energy, water, gas meters) per period',
  description:
    'How much every `total_increasing` counter went up per hour, local day or month, summed per room, device or entity. Counters of different units are never added together: each group is per unit. The last 7 days unless `from`/`to` say otherwise.',
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      period: { enum: ['hour', 'day', 'month'], default: 'day' },
      group: { enum: ['room', 'device', 'entity'], default: 'room' },
      device_class: { type: 'string', description: 'only counters of this class, e.g. energy' },
      ...timeRangeQuery('7 days'),
    },
  },
  responses: {
    200: {
      description: 'the groups and their buckets',
      schema: {
        type: 'object',
        required: ['period', 'group', 'time_zone', 'from', 'to', 'groups'],
        properties: {
          period: { type: 'string' },
          group: { type: 'string' },
          time_zone: { type: 'string' },
          from: dateTime,
          to: dateTime,
          groups: {
            type: 'array',
            items: {
              type: 'object',
              required: ['key', 'name', 'unit', 'entities', 'total', 'buckets'],
              properties: {
                key: { type: ['string', 'null'], description: 'room or device id, or entity id; null for no room/device' },
                name: { type: 'string' },
                unit: { type: ['string', 'null'] },
                entities: { type: 'array', items: { type: 'string' } },
                total: { type: 'number' },
                buckets: { type: 'array', items: { type: 'object', required: ['ts', 'value'], properties: { ts: dateTime, value: { type: 'number' } } } },
              },
            },
          },
        },
      },
    },
  },
});

export interface StatisticsDeps {
  store: TimeSeriesStore;
  entities: EntityRegistry;
  devices: DeviceRegistry;
  rooms: RoomRegistry;
  timeZone: string;
}

/** "Daily power consumption by room": see the spec above. */
export function statisticsRoutes(deps: StatisticsDeps): Hono {
  return new Hono().get('/consumption', consumptionSpec, async (c) => {
    const { period, group, device_class: deviceClass, ...range } = c.req.valid('query');
    const { from, to } = parseTimeRange(range.from, range.to, DEFAULT_SPAN_MS);
    const counters = deps.entities
      .list()
      .filter((e) => e.state_class === 'total_increasing' && (!deviceClass || e.device_class === deviceClass));
    const series = await consumption(deps.store, counters, { from, to, period, timeZone: deps.timeZone });

    const groups = new Map<string, { key: string | null; name: string; unit: string | null; entities: string[]; buckets: Map<number, number> }>();
    for (const { entity, buckets } of series) {
      const device = entity.device_id ? deps.devices.get(entity.device_id) : undefined;
      const [key, name] =
        group === 'entity' ? [entity.entity_id, entity.name]
        : group === 'device' ? [device?.id ?? null, device?.name ?? 'No device']
        : [device?.room_id ?? null, (device?.room_id && deps.rooms.get(device.room_id)?.name) || 'No room'];
      const id = `${key}\u0000${entity.unit}`;
      const target = groups.get(id) ?? { key, name, unit: entity.unit, entities: [] as string[], buckets: new Map<number, number>() };
      groups.set(id, target);
      target.entities.push(entity.entity_id);
      for (const [ts, value] of buckets) target.buckets.set(ts, (target.buckets.get(ts) ?? 0) + value);
    }
    return c.json({
      period,
      group,
      time_zone: deps.timeZone,
      from: iso(from),
      to: iso(to),
      groups: [...groups.values()].map((g) => {
        const buckets = [...g.buckets].sort(([a], [b]) => a - b).map(([ts, value]) => ({ ts: iso(ts), value: round(value) }));
        return { key: g.key, name: g.name, unit: g.unit, entities: g.entities, total: round(buckets.reduce((sum, b) => sum + b.value, 0)), buckets };
      }),
    });
  });
}

/** Sums of floats pick up noise like 0.30000000000000004 kWh. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
