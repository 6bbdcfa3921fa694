import { Hono } from 'hono';
import type { MqttHealth } from '../../mqtt/transport.ts';
import type { PluginStatus } from '../../plugins/host.ts';
import type { StoreHealth } from '../../store/timeseries.ts';
import { PluginStatus as PluginStatusSchema } from '../api-schema.ts';
import { spec } from '../route-spec.ts';

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

const healthReport = {
  type: 'object',
  required: ['status', 'version', 'uptime_s', 'broker', 'store', 'plugins'],
  properties: {
    status: { enum: ['ok', 'degraded', 'error'], description: 'degraded: a plugin failed or waits to retry; error: the broker or the store is down' },
    version: { type: 'string' },
    uptime_s: { type: 'integer' },
    broker: { type: 'object', description: 'mode, status, port, connected clients' },
    store: { type: 'object', description: 'backend, status, readings pending and written' },
    plugins: { type: 'object', additionalProperties: PluginStatusSchema, description: 'by plugin id' },
  },
} as const;

const health = spec({
  summary: 'Whether the hub works: broker, store and each plugin',
  responses: {
    200: { description: 'working (perhaps degraded)', schema: healthReport },
    503: { description: 'the broker or the store is down', schema: healthReport },
  },
});

/** 503 only when the hub cannot do its job, so a container healthcheck restarts it for that and not for one bad plugin. */
export function healthRoutes(report: () => HealthReport): Hono {
  return new Hono().get('/', health, (c) => {
    const health = report();
    return c.json(health, health.status === 'error' ? 503 : 200);
  });
}
