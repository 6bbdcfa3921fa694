import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthorizePublishHandler } from 'aedes';
import type { Logger } from 'pino';
import { topicMatches } from './external-topic.ts';
import type { MqttHandler, MqttHealth, MqttMessage, MqttTransport, PublishOptions } from './transport.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
}

/**
 * aedes inside the hub process. The hub subscribes in-process (no loopback
 * socket, no second parse of every packet), which is what lets ingest run
 * close to the bare broker's speed.
 */
export class EmbeddedBroker implements MqttTransport {
  private readonly interceptors = new Set<{ filter: string; handler: MqttHandler }>();
  /** Payloads already handled before their PUBACK, so the subscription leg skips them (aedes keeps the Buffer through). */
  private readonly intercepted = new WeakSet<Buffer>();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    private readonly log: Logger,
  ) {}

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    // aedes writes a QoS 1 PUBACK before it hands the message to subscribers;
    // authorizePublish is the last step that runs before it.
    let broker: EmbeddedBroker | undefined;
    const authorizePublish: AuthorizePublishHandler = (client, packet, done) => {
      if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
      if (!client || !broker) return done(null);
      broker.runInterceptors(packet as AedesPublishPacket).then(() => done(null));
    };
    const aedes = await Aedes.createBroker({ authorizePublish });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    aedes.on('clientError', (client, error) => {
      options.log.debug({ client: client.id, err: error }, `MQTT client ${client.id}: ${error.message}`);
    });
    broker = new EmbeddedBroker(aedes, server, options.log);
    return broker;
  }

  async intercept(filter: string, handler: MqttHandler): Promise<() => Promise<void>> {
    const interceptor = { filter, handler };
    this.interceptors.add(interceptor);
    // Messages that never pass authorizePublish (published inside the hub) still reach the handler here.
    const unsubscribe = await this.subscribe(filter, (message) => (this.intercepted.has(message.payload) ? undefined : handler(message)));
    return async () => {
      this.interceptors.delete(interceptor);
      await unsubscribe();
    };
  }

  /** Never rejects: a failing handler is logged, and the publish goes on (refusing it would disconnect the device). */
  private async runInterceptors(packet: AedesPublishPacket): Promise<void> {
    let message: MqttMessage | undefined;
    for (const { filter, handler } of this.interceptors) {
      if (!topicMatches(filter, packet.topic)) continue;
      message ??= toMessage(packet);
      this.intercepted.add(message.payload);
      try {
        await handler(message);
      } catch (error) {
        this.handlerFailed(filter, error);
      }
    }
  }

  /** Serves one more client connection arriving by another way (a WebSocket). */
  accept(stream: Duplex): void {
    this.aedes.handle(stream);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async subscribe(filter: string, handler: MqttHandler): Promise<() => Promise<void>> {
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      // aedes wants `done` before returning or other subscribers stall; the
      // handler's own errors are its business, but must never reach aedes.
      try {
        const result = handler(toMessage(packet));
        if (result instanceof Promise) result.catch((error) => this.handlerFailed(filter, error));
      } catch (error) {
        this.handlerFailed(filter, error);
      }
      done();
    };
    await new Promise<void>((resolve) => this.aedes.subscribe(filter, deliver, resolve));
    return () => new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, resolve));
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos: options.qos ?? 0,
          retain: options.retain ?? false,
          dup: false,
        },
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }

  health(): MqttHealth {
    return {
      mode: 'embedded',
      status: this.aedes.closed ? 'error' : 'ok',
      port: this.port,
      clients: this.aedes.connectedClients,
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handlerFailed(filter: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error({ err: error, filter }, `MQTT handler for ${filter} failed: ${message}`);
  }
}

function toMessage(packet: AedesPublishPacket): MqttMessage {
  // A Buffer in, the same Buffer out: `intercepted` recognises messages by it.
  if (!Buffer.isBuffer(packet.payload)) packet.payload = Buffer.from(packet.payload);
  return { topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain };
}
