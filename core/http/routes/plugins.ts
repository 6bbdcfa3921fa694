import { Hono } from 'hono';
import type { PluginHost } from '../../plugins/host.ts';
import { notFound } from '../errors.ts';

/**
 * `/api/plugins/<id>/…` handed to the plugin's own Hono app while it runs.
 * Dispatching per request (rather than mounting at start) lets a plugin that
 * stops, fails or retries lose or regain its routes.
 */
export function pluginRoutes(host: PluginHost): Hono {
  return new Hono()
    .get('/', (c) => c.json(host.statuses()))
    .all('/:id/*', (c) => {
      const id = c.req.param('id');
      const routes = host.routes(id);
      if (!routes) throw notFound(`plugin "${id}" is not running`);
      const url = new URL(c.req.url);
      url.pathname = url.pathname.slice(url.pathname.indexOf(`/${id}`) + id.length + 1) || '/';
      return routes.fetch(new Request(url, c.req.raw));
    });
}
