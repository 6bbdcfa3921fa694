import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type AuthorizePublishHandler, type Client } from 'aedes';
import type { Logger } from 'pino';
import type { BrokerAccess, ClientIdentity } from './device-access.ts';
import { filterLevels, levelsMatch } from './external-topic.ts';
import { TopicMemo } from './topic-memo.ts';
import { TopicRouter } from './topic-router.ts';
import { NotAcknowledged, type MqttHandler, type MqttHealth, type MqttMessage, type MqttTransport, type PublishOptions } from './transport.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** who may connect, publish and subscribe; without it, everyone may do everything (tests of the broker alone) */
  access?: BrokerAccess;
}

interface Interceptor {
  filter: string;
  levels: string[];
  handler: MqttHandler;
}

/**
 * aedes inside the hub process. The hub subscribes in-process (no loopback
 * socket, no second parse of every packet), which is what lets ingest run
 * close to the bare broker's speed.
 */
export class EmbeddedBroker implements MqttTransport {
  /** Replaced, never changed in place, so a message being handled keeps the list it started with. */
  private interceptors: readonly Interceptor[] = [];
  /** The interceptors each topic matches: a device's messages are matched once, not split and compared per message. */
  private readonly matched = new TopicMemo((topic) => {
    const levels = topic.split('/');
    return this.interceptors.filter((i) => levelsMatch(i.levels, levels));
  });
  private readonly identities = new WeakMap<Client, ClientIdentity>();
  /** Clients logged in with the pairing key, by the device id they pair as. */
  private readonly pairing = new Map<string, Set<Client>>();

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    private readonly log: Logger,
  ) {}

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    // aedes writes a QoS 1 PUBACK before it hands the message to subscribers;
    // authorizePublish is the last step that runs before it.
    let broker: EmbeddedBroker | undefined;
    const { access, log } = options;
    const authorizePublish: AuthorizePublishHandler = (client, packet, done) => {
      if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
      if (!client || !broker) return done(null);
      const identity = broker.identities.get(client);
      if (access && identity && !access.canPublish(identity, packet.topic)) {
        log.warn({ client: client.id, topic: packet.topic }, `refused publish by MQTT client ${client.id}${describe(identity)} to ${packet.topic}`);
        return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      // A refusal (NotAcknowledged) goes to aedes as an error: no PUBACK, and the client is disconnected, so it sends again.
      const intercepted = broker.runInterceptors(packet as AedesPublishPacket);
      if (intercepted instanceof Promise) void intercepted.then((refusal) => done(refusal ?? null));
      else done(intercepted ?? null);
    };
    const aedes = await Aedes.createBroker({
      mq: new TopicRouter(),
      authorizePublish,
      authenticate: (client, username, password, done) => {
        if (!access) return done(null, true);
        const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';
        void access.authenticate({ id: client.id, address }, username, password).then((result) => {
          if (typeof result === 'string') {
            log.warn({ client: client.id, address }, `refused MQTT login of client ${client.id} from ${address}: ${result}`);
            const error = new Error(result) as AuthenticateError;
            error.returnCode = 4; // bad user name or password (MQTT 3.1.1 §3.2.2.3)
            return done(error, false);
          }
          broker?.identities.set(client, result);
          if (result.kind === 'pairing') broker?.pairingClients(result.deviceId).add(client);
          done(null, true);
        });
      },
      authorizeSubscribe: (client, subscription, done) => {
        const identity = broker?.identities.get(client);
        if (access && identity && !access.canSubscribe(identity, subscription.topic)) {
          log.warn({ client: client.id, topic: subscription.topic }, `refused subscription of MQTT client ${client.id}${describe(identity)} to ${subscription.topic}`);
          return done(null, null);
        }
        done(null, subscription);
      },
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    aedes.on('clientDisconnect', (client) => broker?.forgetPairing(client));
    aedes.on('clientError', (client, error) => {
      options.log.debug({ client: client.id, err: error }, `MQTT client ${client.id}: ${error.message}`);
    });
    broker = new EmbeddedBroker(aedes, server, options.log);
    return broker;
  }

  async intercept(filter: string, handler: MqttHandler): Promise<() => Promise<void>> {
    // No broker subscription: clients' messages reach the handler in authorizePublish, the hub's own in publish(),
    // so aedes never routes a device's telemetry to the hub a second time.
    const interceptor = { filter, levels: filterLevels(filter), handler };
    this.setInterceptors([...this.interceptors, interceptor]);
    return async () => {
      this.setInterceptors(this.interceptors.filter((i) => i !== interceptor));
    };
  }

  private setInterceptors(interceptors: readonly Interceptor[]): void {
    this.interceptors = interceptors;
    this.matched.forget();
  }

  /**
   * Runs the handlers whose filter matches, one after another. Returns at once
   * when all finished at once (no promise made: every message of every device
   * passes here), else a promise; either way, a handler's NotAcknowledged
   * refusal or nothing. Any other failure is logged, and the publish goes on
   * (refusing it would disconnect the device).
   */
  private runInterceptors(packet: AedesPublishPacket): NotAcknowledged | undefined | Promise<NotAcknowledged | undefined> {
    const interceptors = this.matched.get(packet.topic);
    if (interceptors.length === 0) return undefined;
    const message = asMessage(packet);
    let refusal: NotAcknowledged | undefined;
    for (let i = 0; i < interceptors.length; i++) {
      const { filter, handler } = interceptors[i]!;
      let result: void | Promise<void>;
      try {
        result = handler(message);
      } catch (error) {
        refusal ??= this.handlerFailed(filter, error);
        continue;
      }
      if (result instanceof Promise) return this.finishInterceptors(result, filter, message, interceptors, i + 1, refusal);
    }
    return refusal;
  }

  /** The rest of `runInterceptors` once a handler went asynchronous. */
  private async finishInterceptors(
    running: Promise<void>,
    filter: string,
    message: MqttMessage,
    interceptors: readonly Interceptor[],
    from: number,
    refused: NotAcknowledged | undefined,
  ): Promise<NotAcknowledged | undefined> {
    let refusal = refused;
    try {
      await running;
    } catch (error) {
      refusal ??= this.handlerFailed(filter, error);
    }
    for (let i = from; i < interceptors.length; i++) {
      const next = interceptors[i]!;
      try {
        await next.handler(message);
      } catch (error) {
        refusal ??= this.handlerFailed(next.filter, error);
      }
    }
    return refusal;
  }

  /** Drops every live connection logged in as this device (its account was revoked). */
  disconnectDevice(deviceId: string): number {
    let dropped = 0;
    for (const client of Object.values((this.aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const identity = this.identities.get(client);
      if (identity?.kind === 'device' && identity.deviceId === deviceId) {
        client.close();
        dropped++;
      }
    }
    return dropped;
  }

  /** Whether a client is connected that logged in with the pairing key as this device. */
  isPairing(deviceId: string): boolean {
    // Asked for every announce: an index of the few pairing clients, not a scan of every client.
    const clients = this.pairing.get(deviceId);
    if (!clients) return false;
    for (const client of clients) if (client.closed) clients.delete(client);
    if (clients.size === 0) this.pairing.delete(deviceId);
    return clients.size > 0;
  }

  private pairingClients(deviceId: string): Set<Client> {
    let clients = this.pairing.get(deviceId);
    if (!clients) this.pairing.set(deviceId, (clients = new Set()));
    return clients;
  }

  private forgetPairing(client: Client): void {
    const identity = this.identities.get(client);
    if (identity?.kind === 'pairing') this.pairing.get(identity.deviceId)?.delete(client);
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
        const result = handler(asMessage(packet));
        if (result instanceof Promise) result.catch((error) => this.handlerFailed(filter, error));
      } catch (error) {
        this.handlerFailed(filter, error);
      }
      done();
    };
    await new Promise<void>((resolve) => this.aedes.subscribe(filter, deliver, resolve));
    return () => new Promise<void>((resolve) => this.aedes.unsubscribe(filter, deliver, resolve));
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    const packet = {
      cmd: 'publish' as const,
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    // The hub's own messages skip authorizePublish: interceptors see them here, first, as a client's.
    await this.runInterceptors(packet as AedesPublishPacket);
    await new Promise<void>((resolve, reject) => this.aedes.publish(packet, (error) => (error ? reject(error) : resolve())));
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

  /** Logs a handler's failure; a refusal is the handler's own business (it says why), and is returned. */
  private handlerFailed(filter: string, error: unknown): NotAcknowledged | undefined {
    if (error instanceof NotAcknowledged) return error;
    const message = error instanceof Error ? error.message : String(error);
    this.log.error({ err: error, filter }, `MQTT handler for ${filter} failed: ${message}`);
    return undefined;
  }
}

/** The packet itself as the message (it has the fields): no object per message. */
function asMessage(packet: AedesPublishPacket): MqttMessage {
  if (!Buffer.isBuffer(packet.payload)) packet.payload = Buffer.from(packet.payload);
  return packet as MqttMessage;
}

function describe(identity: ClientIdentity | undefined): string {
  if (identity?.kind === 'device') return ` (device ${identity.deviceId})`;
  return identity?.kind === 'pairing' ? ` (pairing as ${identity.deviceId})` : '';
}
