import { Hono } from 'hono';
import type { Registry } from 'prom-client';

/** Prometheus text exposition of the hub's own registry. */
export function metricsRoutes(registry: Registry): Hono {
  return new Hono().get('/', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
}
