import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface Routes {
  handlers: Map<string, UpgradeHandler>;
  dispatch: UpgradeHandler;
}

const routesOf = new WeakMap<Server, Routes>();

/**
 * Lets several protocols upgrade from the one HTTP port (MQTT at `/mqtt`, the
 * live API at `/api/ws`): one `upgrade` listener hands each request to the
 * handler of its path and answers 404 for any other. Returns the unregister.
 */
export function routeUpgrades(server: Server, path: string, handler: UpgradeHandler): () => void {
  let routes = routesOf.get(server);
  if (!routes) {
    const handlers = new Map<string, UpgradeHandler>();
    const dispatch: UpgradeHandler = (request, socket, head) => {
      const route = handlers.get(new URL(request.url ?? '/', 'http://hub').pathname);
      if (route) route(request, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    };
    routes = { handlers, dispatch };
    routesOf.set(server, routes);
    server.on('upgrade', dispatch);
  }
  if (routes.handlers.has(path)) throw new Error(`upgrades on ${path} are already handled`);
  routes.handlers.set(path, handler);
  const own = routes;
  return () => {
    if (own.handlers.get(path) !== handler) return;
    own.handlers.delete(path);
    if (own.handlers.size > 0) return;
    server.off('upgrade', own.dispatch);
    routesOf.delete(server);
  };
}
