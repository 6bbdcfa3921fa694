import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl, topicMatches } from './external-topic.ts';
import type { MqttHandler, MqttHealth, MqttMessage, MqttTransport, PublishOptions } from './transport.ts';

export interface ExternalBrokerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of Mosquitto, EMQX, … */
  url: string;
  username?: string;
  password?: string;
  /** default `hearth-hub-<random>` */
  clientId?: string;
  log: Logger;
  /** how long start waits for the broker (TCP + CONNACK), default 10 s */
  connectTimeoutMs?: number;
  /** how long publish/subscribe wait for the broker's acknowledgement, default 10 s */
  ackTimeoutMs?: number;
  /** reconnect backoff: first delay, doubled per failed attempt up to max (default 1 s … 30 s) */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** how long close() lets in-flight messages finish before dropping the socket, default 2 s */
  closeTimeoutMs?: number;
}

interface Entry {
  handler: MqttHandler;
}

interface FilterSubscription {
  filter: string;
  /** MQTT 5 subscription identifier: tells which of our filters a message was delivered for */
  id: number;
  handlers: Entry[];
  ready: Promise<void>;
}

/** CONNACK reason codes that mean the credentials are wrong (v3.1.1: 4, 5; v5: 0x86, 0x87). */
const AUTH_CODES = new Set([4, 5, 134, 135]);
const MAX_SUBSCRIPTION_ID = 268_435_455;

/**
 * The hub as a client of an external broker. Each distinct filter is one MQTT
 * subscription carrying a subscription identifier, so a message delivered for
 * overlapping filters reaches each handler exactly once and a retained message
 * sent for a new subscription only reaches that subscription's handlers.
 */
export class ExternalBroker implements MqttTransport {
  private readonly subs = new Map<string, FilterSubscription>();
  private readonly byId = new Map<number, FilterSubscription>();
  /** an unsubscribe in flight per filter: a new subscription to it waits for it */
  private readonly unsubscribing = new Map<string, Promise<void>>();
  private readonly pending = new Set<(error: Error) => void>();
  private nextId = 1;
  private subscriptionIds = true;
  private lastError: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly url: string,
    private readonly options: ExternalBrokerOptions,
  ) {}

  static async connect(options: ExternalBrokerOptions): Promise<ExternalBroker> {
    const url = redactUrl(options.url);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const minMs = options.reconnectMinMs ?? 1000;
    const clientOptions: IClientOptions = {
      clientId: options.clientId ?? `hearth-hub-${randomBytes(6).toString('hex')}`,
      protocolVersion: 5,
      clean: true,
      connectTimeout: connectTimeoutMs,
      reconnectPeriod: minMs,
      reconnectOnConnackError: true,
      resubscribe: true,
    };
    if (options.username !== undefined) clientOptions.username = options.username;
    if (options.password !== undefined) clientOptions.password = options.password;
    let client: MqttClient;
    try {
      client = mqtt.connect(options.url, clientOptions);
    } catch (error) {
      throw new Error(`MQTT broker URL ${url} is not usable: ${describe(error as Error, options.password)}`);
    }
    // mqtt.js throws an 'error' event nobody listens to; ours are added and removed below
    client.on('error', () => undefined);
    const broker = new ExternalBroker(client, url, options);

    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        cleanup();
        client.end(true);
        reject(error);
      };
      const onError = (error: Error & { code?: string | number }) => fail(startError(url, error, options.password));
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const timer = setTimeout(
        () => fail(new Error(`MQTT broker at ${url} did not accept the hub's connection within ${connectTimeoutMs / 1000} s`)),
        connectTimeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        client.off('error', onError);
        client.off('connect', onConnect);
      };
      client.on('error', onError);
      client.on('connect', onConnect);
    });
    broker.watch();
    options.log.info(`connected to MQTT broker ${url} as ${clientOptions.clientId}`);
    return broker;
  }

  async subscribe(filter: string, handler: MqttHandler): Promise<() => Promise<void>> {
    if (this.closing) throw new Error(`cannot subscribe to ${filter}: the MQTT connection is closed`);
    const entry: Entry = { handler };
    let sub = this.subs.get(filter);
    if (!sub) {
      if (this.nextId > MAX_SUBSCRIPTION_ID) this.nextId = 1;
      const created: FilterSubscription = { filter, id: this.nextId++, handlers: [], ready: Promise.resolve() };
      const before = this.unsubscribing.get(filter) ?? Promise.resolve();
      created.ready = before.then(() => this.brokerSubscribe(created)).catch((error: unknown) => {
        this.forget(created);
        void this.brokerUnsubscribe(filter);
        throw error;
      });
      this.subs.set(filter, created);
      this.byId.set(created.id, created);
      sub = created;
    }
    sub.handlers.push(entry);
    await sub.ready;
    const owner = sub;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.release(owner, entry);
    };
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions = {}): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`cannot publish to ${topic}: the MQTT connection is closed`));
    const qos = options.qos ?? 0;
    return this.acknowledged(`MQTT publish to ${topic}`, (done) => {
      this.client.publish(topic, payload, { qos, retain: options.retain ?? false }, (error) => done(error ?? undefined));
    });
  }

  health(): MqttHealth {
    if (this.client.connected && !this.closing) return { mode: 'external', status: 'ok' };
    return {
      mode: 'external',
      status: 'error',
      error: this.closing ? 'MQTT connection closed' : `not connected to MQTT broker ${this.url}: ${this.lastError ?? 'connection lost'}`,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Error('the MQTT connection was closed');
      for (const reject of [...this.pending]) reject(closed);
      const timeoutMs = this.options.closeTimeoutMs ?? 2000;
      let timer: NodeJS.Timeout | undefined;
      const graceful = new Promise<void>((resolve) => this.client.end(false, {}, () => resolve()));
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([graceful, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        this.options.log.warn(`MQTT broker ${this.url} did not take the hub's disconnect within ${timeoutMs} ms; dropping the connection`);
        await new Promise<void>((resolve) => {
          const force = setTimeout(resolve, 500);
          this.client.end(true, {}, () => {
            clearTimeout(force);
            resolve();
          });
        });
      }
      this.subs.clear();
      this.byId.clear();
    })();
    return this.closing;
  }

  /** Connection state, logging and reconnect backoff after a successful start. */
  private watch(): void {
    const { client, url, options } = this;
    const { log } = options;
    const minMs = options.reconnectMinMs ?? 1000;
    const maxMs = options.reconnectMaxMs ?? 30_000;
    let wasConnected = true;
    this.readConnack(client);

    client.on('connect', () => {
      client.options.reconnectPeriod = minMs;
      this.lastError = undefined;
      this.readConnack(client);
      if (!wasConnected) log.info(`reconnected to MQTT broker ${url}`);
      wasConnected = true;
    });
    // mqtt.js arms the next attempt with options.reconnectPeriod when a
    // connection closes; raising it at each attempt gives the backoff.
    client.on('reconnect', () => {
      client.options.reconnectPeriod = Math.min(maxMs, Math.max(minMs, (client.options.reconnectPeriod ?? minMs) * 2));
    });
    client.on('error', (error: Error & { code?: string | number }) => {
      const reason = describe(error, options.password);
      if (reason !== this.lastError) log.warn(`MQTT broker ${url}: ${reason}`);
      this.lastError = reason;
    });
    client.on('disconnect', (packet) => {
      const code = packet.reasonCode ?? 0;
      const text = packet.properties?.reasonString;
      this.lastError = `the broker closed the connection (reason code ${code}${text ? `: ${text}` : ''})`;
    });
    client.on('close', () => {
      if (this.closing) return;
      this.lastError ??= 'connection lost';
      if (wasConnected) log.warn(`lost the connection to MQTT broker ${url} (${this.lastError}); reconnecting`);
      wasConnected = false;
    });
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet));
  }

  private readConnack(client: MqttClient): void {
    // MQTT 5 brokers may say they do not support subscription identifiers
    const available = (client as unknown as { connackPacket?: { properties?: { subscriptionIdentifiersAvailable?: boolean } } })
      .connackPacket?.properties?.subscriptionIdentifiersAvailable;
    this.subscriptionIds = available !== false;
  }

  private dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const message: MqttMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
    const ids = packet.properties?.subscriptionIdentifier;
    let targets: FilterSubscription[];
    if (ids === undefined) {
      targets = [...this.subs.values()].filter((sub) => topicMatches(sub.filter, topic));
    } else {
      targets = [];
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        const sub = this.byId.get(id);
        if (sub && !targets.includes(sub)) targets.push(sub);
      }
    }
    for (const sub of targets) {
      for (const { handler } of [...sub.handlers]) {
        try {
          const result = handler(message);
          if (result instanceof Promise) result.catch((error: unknown) => this.handlerFailed(sub.filter, error));
        } catch (error) {
          this.handlerFailed(sub.filter, error);
        }
      }
    }
  }

  private async brokerSubscribe(sub: FilterSubscription): Promise<void> {
    const options = {
      qos: 1 as const,
      ...(this.subscriptionIds ? { properties: { subscriptionIdentifier: sub.id } } : {}),
    };
    if (!this.client.connected) {
      // mqtt.js queues it and resubscribes every filter after (re)connecting
      this.client.subscribe(sub.filter, options, (error) => {
        if (error) this.options.log.debug(`queued MQTT subscription to ${sub.filter}: ${error.message}`);
      });
      this.options.log.debug(`MQTT broker ${this.url} unreachable: subscription to ${sub.filter} will be made on reconnect`);
      return;
    }
    await this.acknowledged(`MQTT subscription to ${sub.filter}`, (done) => {
      this.client.subscribe(sub.filter, options, (error, granted) => {
        if (error) {
          // the connection dropped before the SUBACK: the resubscribe after reconnecting covers it
          if (!this.client.connected && !this.closing) return done();
          return done(error);
        }
        const code = granted?.[0]?.qos ?? 0;
        if (code >= 0x80) return done(new Error(`MQTT broker ${this.url} refused the subscription to ${sub.filter} (reason code ${code})`));
        done();
      });
    });
  }

  private async release(sub: FilterSubscription, entry: Entry): Promise<void> {
    const index = sub.handlers.indexOf(entry);
    if (index < 0) return;
    sub.handlers.splice(index, 1);
    if (sub.handlers.length > 0 || this.subs.get(sub.filter) !== sub) return;
    this.forget(sub);
    await this.brokerUnsubscribe(sub.filter);
  }

  private forget(sub: FilterSubscription): void {
    if (this.subs.get(sub.filter) === sub) this.subs.delete(sub.filter);
    this.byId.delete(sub.id);
  }

  /** Never rejects: locally the filter is already gone, so no message reaches its handlers. */
  private brokerUnsubscribe(filter: string): Promise<void> {
    if (this.closing) return Promise.resolve();
    const previous = this.unsubscribing.get(filter) ?? Promise.resolve();
    const done = previous
      .then(() =>
        this.client.connected
          ? this.acknowledged(`MQTT unsubscribe from ${filter}`, (ack) => this.client.unsubscribe(filter, (error) => ack(error ?? undefined)))
          : new Promise<void>((resolve) => {
              // queued; also drops it from what mqtt.js resubscribes
              this.client.unsubscribe(filter, () => undefined);
              resolve();
            }),
      )
      .catch((error: Error) => this.options.log.warn(`MQTT unsubscribe from ${filter} failed: ${error.message}`))
      .finally(() => {
        if (this.unsubscribing.get(filter) === done) this.unsubscribing.delete(filter);
      });
    this.unsubscribing.set(filter, done);
    return done;
  }

  /** Runs one broker round trip, rejecting clearly instead of waiting forever for a broker that is gone. */
  private acknowledged(what: string, start: (done: (error?: Error) => void) => void): Promise<void> {
    const timeoutMs = this.options.ackTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(settle);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        const state = this.client.connected ? 'connected, but no acknowledgement' : `not connected: ${this.lastError ?? 'connection lost'}`;
        settle(new Error(`${what} was not acknowledged by MQTT broker ${this.url} within ${timeoutMs / 1000} s (${state})`));
      }, timeoutMs);
      this.pending.add(settle);
      try {
        start((error) => settle(error ? new Error(`${what} failed: ${describe(error, this.options.password)}`) : undefined));
      } catch (error) {
        settle(error as Error);
      }
    });
  }

  private handlerFailed(filter: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.options.log.error({ err: error, filter }, `MQTT handler for ${filter} failed: ${message}`);
  }
}

function startError(url: string, error: Error & { code?: string | number }, password: string | undefined): Error {
  if (typeof error.code === 'number' && AUTH_CODES.has(error.code)) {
    return new Error(`MQTT broker refused the hub's credentials (not authorized) at ${url}; check mqtt.username and mqtt.password`);
  }
  if (error.code === 'ECONNREFUSED') return new Error(`MQTT broker at ${url} is unreachable: nothing accepts connections there (${error.message})`);
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new Error(`MQTT broker at ${url} is unreachable: host not found (${error.message})`);
  return new Error(`could not connect to MQTT broker at ${url}: ${describe(error, password)}`);
}

function describe(error: Error & { code?: string | number }, password: string | undefined): string {
  let text = typeof error.code === 'number' && AUTH_CODES.has(error.code) ? "the broker refused the hub's credentials (not authorized)" : error.message;
  if (password) text = text.split(password).join('***');
  return text;
}
