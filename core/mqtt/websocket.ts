import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { routeUpgrades } from '../http/upgrade-paths.ts';

/**
 * MQTT over WebSocket on the HTTP port (`ws://hub:8080/mqtt`), for browsers
 * and for devices that can only leave the network over HTTP ports. Each
 * connection becomes a plain stream handed to the broker.
 */
export function serveMqttOverWebSocket(server: Server, accept: (stream: Duplex) => void, path = '/mqtt'): () => void {
  const wss = new WebSocketServer({ noServer: true });
  const unroute = routeUpgrades(server, path, (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => accept(createWebSocketStream(ws)));
  });
  return () => {
    unroute();
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}
