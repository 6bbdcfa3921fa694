import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { spec } from '../route-spec.ts';

const scrape = spec({
  summary: 'Prometheus metrics',
  description: 'MQTT messages in and rejected, readings written, writer queue depth, plugin status, notifications, HTTP request durations.',
  tags: ['meta'],
  responses: { 200: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain' } },
});

/** Prometheus text exposition of the hub's own registry. */
export function metricsRoutes(registry: Registry): Hono {
  return new Hono().get('/', scrape, async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
}
