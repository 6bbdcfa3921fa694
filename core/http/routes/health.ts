import { Hono } from 'hono';
import type { MqttHealth } from '../../mqtt/transport.ts';
import type { PluginStatus } from '../../plugins/host.ts';
import type { StoreHealth } from '../../store/timeseries.ts';

export interface HealthReport {
  /** ok; degraded when a plugin failed or waits to retry; error when the broker or the store is down */
  status: 'ok' | 'degraded' | 'error';
  version: string;
  uptime_s: number;
  broker: MqttHealth;
  store: StoreHealth;
  plugins: Record<string, PluginStatus>;
}

export function summarize(broker: MqttHealth, store: StoreHealth, plugins: PluginStatus[]): HealthReport['status'] {
  if (broker.status === 'error' || store.status === 'error') return 'error';
  if (plugins.some((p) => p.status === 'failed' || p.status === 'retrying' || p.handler_errors > 0)) return 'degraded';
  return 'ok';
}

/** 503 only when the hub cannot do its job, so a container healthcheck restarts it for that and not for one bad plugin. */
export function healthRoutes(report: () => HealthReport): Hono {
  return new Hono().get('/', (c) => {
    const health = report();
    return c.json(health, health.status === 'error' ? 503 : 200);
  });
}
