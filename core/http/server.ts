import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export interface HttpServer {
  port: number;
  /** the Node server, for protocols that upgrade from HTTP (MQTT over WebSocket) */
  server: Server;
  close(): Promise<void>;
}

/** Starts listening (host undefined: every interface); rejects with the OS error (e.g. EADDRINUSE) instead of crashing later. */
export async function listen(app: Hono, host: string | undefined, port: number): Promise<HttpServer> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive connections would otherwise hold close() open past the shutdown deadline.
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
