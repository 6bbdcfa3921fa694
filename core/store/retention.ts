import type { Logger } from 'pino';
import type { HubConfig } from '../config/schema.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { EventLog } from './event-log.ts';
import type { RetentionPolicy, TimeSeriesStore } from './timeseries.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type Retention = HubConfig['storage']['retention'];

/** The config's retention, in days, as cut-off times for the store. Overrides for unknown entities are ignored. */
export function retentionPolicy(retention: Retention, entities: EntityRegistry, now: number): RetentionPolicy {
  const before = (days: number | undefined) => (days === undefined ? undefined : now - days * DAY_MS);
  const overrides: RetentionPolicy['overrides'] = new Map();
  for (const [entityId, days] of Object.entries(retention.entities)) {
    const entity = entities.get(entityId);
    if (!entity) continue;
    overrides.set(entity.id, {
      ...(days.raw_days !== undefined ? { rawBefore: before(days.raw_days) } : {}),
      ...(days.minute_days !== undefined ? { minuteBefore: before(days.minute_days) } : {}),
      ...(days.hour_days !== undefined ? { hourBefore: before(days.hour_days) } : {}),
    });
  }
  return {
    rawBefore: now - retention.raw_days * DAY_MS,
    minuteBefore: now - retention.minute_days * DAY_MS,
    hourBefore: before(retention.hour_days) ?? null,
    overrides,
  };
}

export interface RetentionDeps {
  retention: Retention;
  store: TimeSeriesStore;
  events: EventLog;
  entities: EntityRegistry;
  log: Logger;
}

/** Purges once a minute after start, then every hour; returns what stops it. */
export function scheduleRetention(deps: RetentionDeps, firstRunMs = 60_000, everyMs = HOUR_MS): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const now = Date.now();
      const result = await deps.store.purge(retentionPolicy(deps.retention, deps.entities, now));
      const events = await deps.events.purge(now - deps.retention.events_days * DAY_MS);
      const { raw, minute, hour } = result.deleted;
      if (raw + minute + hour + events > 0) {
        deps.log.info(`retention: deleted ${raw} readings, ${minute} 1-minute and ${hour} 1-hour rollups, ${events} events (longest pause ${result.longestPauseMs.toFixed(1)} ms)`);
      }
    } catch (error) {
      deps.log.error({ err: error }, `retention purge failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void run(), firstRunMs);
  const every = setInterval(() => void run(), everyMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
