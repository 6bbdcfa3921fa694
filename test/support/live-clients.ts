/**
 * Clients of the live stream as scripts and browsers use it: Server-Sent
 * Events read from a fetch body and parsed as EventSource does, and a `ws`
 * WebSocket. Every message is stamped with its arrival time for latency figures.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { eventually } from './hub.ts';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
  /** performance.now() at arrival */
  at: number;
}

export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  /** resolves when the server ends the stream or the connection drops */
  readonly ended: Promise<void>;

  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {
    this.ended = this.read(response.body!).catch(() => undefined);
  }

  /** Opens the stream; fails on any status but 200 (see `SseClient.status` for the refusals). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return new SseClient(response, abort);
  }

  /** State changes only, as `{id, entity_id, value}`, the common case of the tests. */
  get states(): Array<{ id: number; entity_id: string; value: unknown }> {
    return this.messages
      .filter((m) => m.event === 'state_changed')
      .map((m) => {
        const data = JSON.parse(m.data);
        return { id: Number(m.id), entity_id: data.entity_id, value: data.new_state.state };
      });
  }

  async waitFor(predicate: (m: SseMessage) => boolean, timeoutMs = 5000): Promise<SseMessage> {
    return eventually(() => this.messages.find(predicate), timeoutMs);
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private parse(block: string): void {
    const message: SseMessage = { data: '', at: performance.now() };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id' || field === 'event') message[field] = value;
    }
    if (data.length === 0 && message.id === undefined && message.event === undefined) return;
    message.data = data.join('\n');
    this.messages.push(message);
  }
}

/** Status and JSON body of a stream request that is refused. */
export async function refusal(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

export interface WsMessage {
  type: string;
  [key: string]: any;
  /** performance.now() at arrival */
  at: number;
}

export class WsClient {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push({ ...JSON.parse(data.toString()), at: performance.now() }));
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    const socket = new WebSocket(url, { headers });
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    return client;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async waitFor(predicate: (m: WsMessage) => boolean, timeoutMs = 5000): Promise<WsMessage> {
    return eventually(() => this.messages.find(predicate), timeoutMs);
  }

  /** Subscribes and returns the subscription id from the result. */
  async subscribe(request: object, id: number | string): Promise<number> {
    this.send({ type: 'subscribe', id, ...request });
    const result = await this.waitFor((m) => m.type === 'result' && m.id === id);
    return result.subscription as number;
  }

  /** The events of one subscription, as `{id, type, data}`. */
  events(subscription: number): Array<{ id: number; type: string; data: any }> {
    return this.messages.filter((m) => m.type === 'event' && m.subscription === subscription).map((m) => m.event);
  }

  close(): void {
    this.socket.close();
  }
}
