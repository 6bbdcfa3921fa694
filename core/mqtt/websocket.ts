import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

/**
 * MQTT over WebSocket on the HTTP port (`ws://hub:8080/mqtt`), for browsers
 * and for devices that can only leave the network over HTTP ports. Each
 * connection becomes a plain stream handed to the broker.
 */
export function serveMqttOverWebSocket(server: Server, accept: (stream: Duplex) => void, path = '/mqtt'): () => void {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://hub').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(createWebSocketStream(ws)));
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}
