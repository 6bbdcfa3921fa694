import { Hono } from 'hono';
import { PluginBusyError, type PluginHost, type PluginStatus } from '../../plugins/host.ts';
import { listQuery, notFoundResponse, pageSchema, PluginStatus as PluginStatusSchema } from '../api-schema.ts';
import { conflict, notFound } from '../errors.ts';
import { pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';

const byId: Keyset<PluginStatus> = { list: 'plugins', arity: 1, key: (p) => [p.id] };

const list = spec({
  summary: 'List plugins with their status',
  query: listQuery,
  responses: { 200: { description: 'a page of plugins, by id', schema: pageSchema(PluginStatusSchema) } },
});

const reload = spec({
  summary: 'Stop a plugin and start it again',
  description: 'With the configuration the hub runs with (edit the config and restart the hub to change it). Answers once the new start has succeeded or failed.',
  responses: {
    200: { description: 'the status after the new start', schema: PluginStatusSchema },
    404: notFoundResponse('plugin'),
    409: { description: 'the plugin is starting' },
  },
});

const own = spec({
  summary: "A plugin's own routes",
  description: 'Handed to the running plugin with the path after its id; 404 while it is not running. See the plugin for what it serves.',
  responses: { 200: { description: "the plugin's answer", contentType: '*/*' }, 404: notFoundResponse('running plugin') },
});

/**
 * `/api/plugins/<id>/…` is handed to the plugin's own Hono app while it runs.
 * Dispatching per request (rather than mounting at start) lets a plugin that
 * stops, fails or retries lose or regain its routes.
 */
export function pluginRoutes(host: PluginHost): Hono {
  return new Hono()
    .get('/', list, (c) => c.json(pageOf(byId, host.statuses(), c.req.valid('query'))))
    .post('/:id/reload', reload, async (c) => {
      const id = c.req.param('id');
      try {
        const status = await host.reload(id);
        if (!status) throw notFound(`no plugin "${id}" in the configuration`);
        return c.json(status);
      } catch (error) {
        throw error instanceof PluginBusyError ? conflict(error.message) : error;
      }
    })
    .all('/:id/*', own, async (c) => {
      const id = c.req.param('id');
      const routes = host.routes(id);
      if (!routes) throw notFound(`plugin "${id}" is not running`);
      const url = new URL(c.req.url);
      url.pathname = url.pathname.slice(url.pathname.indexOf(`/${id}`) + id.length + 1) || '/';
      const answer = await routes.fetch(new Request(url, c.req.raw));
      // A copy: a plugin may hand back a fetch() answer, whose headers are read-only, and the security headers go on after.
      return new Response(answer.body, answer);
    });
}
