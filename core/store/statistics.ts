import type { Entity } from '../registry/entities.ts';
import { periodStart, type Period } from './local-periods.ts';
import type { TimeSeriesStore } from './timeseries.ts';

export interface ConsumptionSeries {
  entity: Entity;
  /** period start → consumption in the entity's unit */
  buckets: Map<number, number>;
}

/**
 * Consumption of counters (`total_increasing`, e.g. energy meters) per hour,
 * local day or local month: the store's hourly increases, which already
 * count a meter reset as starting again from zero, summed per period.
 */
export async function consumption(
  store: TimeSeriesStore,
  counters: Entity[],
  range: { from: number; to: number; period: Period; timeZone: string },
): Promise<ConsumptionSeries[]> {
  return Promise.all(
    counters.map(async (entity) => {
      const buckets = new Map<number, number>();
      for (const { ts, increase } of await store.hourlyIncrease(entity.id, range.from, range.to)) {
        const start = periodStart(ts, range.period, range.timeZone);
        buckets.set(start, (buckets.get(start) ?? 0) + increase);
      }
      return { entity, buckets };
    }),
  );
}
