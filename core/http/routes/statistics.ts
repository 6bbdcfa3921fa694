import { Hono } from 'hono';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { RoomRegistry } from '../../registry/rooms.ts';
import type { Period } from '../../store/local-periods.ts';
import { consumption } from '../../store/statistics.ts';
import type { TimeSeriesStore } from '../../store/timeseries.ts';
import { badRequest } from '../errors.ts';
import { iso } from '../serialize.ts';
import { parseTimeRange } from '../time-params.ts';

const PERIODS = ['hour', 'day', 'month'] as const;
const GROUPS = ['room', 'device', 'entity'] as const;
const DEFAULT_SPAN_MS = 7 * 86_400_000;

export interface StatisticsDeps {
  store: TimeSeriesStore;
  entities: EntityRegistry;
  devices: DeviceRegistry;
  rooms: RoomRegistry;
  timeZone: string;
}

/**
 * `GET /api/statistics/consumption?period=day&group=room&device_class=energy&from=&to=`:
 * how much every `total_increasing` counter went up per hour, local day or
 * month, summed per room, device or entity ("daily power consumption by room").
 * Counters of different units are never added together: each group is per unit.
 */
export function statisticsRoutes(deps: StatisticsDeps): Hono {
  return new Hono().get('/consumption', async (c) => {
    const period = oneOf('period', c.req.query('period') ?? 'day', PERIODS);
    const group = oneOf('group', c.req.query('group') ?? 'room', GROUPS);
    const deviceClass = c.req.query('device_class');
    const { from, to } = parseTimeRange(c.req.query('from'), c.req.query('to'), DEFAULT_SPAN_MS);
    const counters = deps.entities
      .list()
      .filter((e) => e.state_class === 'total_increasing' && (!deviceClass || e.device_class === deviceClass));
    const series = await consumption(deps.store, counters, { from, to, period: period as Period, timeZone: deps.timeZone });

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

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw badRequest(`${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** Sums of floats pick up noise like 0.30000000000000004 kWh. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
