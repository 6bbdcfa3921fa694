import type { MiddlewareHandler } from 'hono';
import { Histogram, type Registry } from 'prom-client';
import { routePattern } from './route-spec.ts';

/**
 * `hearth_http_request_duration_seconds{method, route, status}`: the time to
 * the response's headers (for a stream, not its whole life). `route` is the
 * pattern (`/api/devices/:id`), never the raw path, so the series stay few.
 */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const duration = new Histogram({
    name: 'hearth_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, until the response headers',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return async function httpMetrics(c, next) {
    const end = duration.startTimer();
    await next();
    end({ method: c.req.method, route: routePattern(c), status: String(c.res.status) });
  };
}
