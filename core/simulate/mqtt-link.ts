import mqtt, { type MqttClient } from 'mqtt';
import type { Outgoing } from './sim-device.ts';

/** Why a device cannot go on (`fatal`), or something worth one line while it retries. */
export type LinkProblem =
  | { kind: 'login_refused'; fatal: true; reason: string }
  | { kind: 'publish_refused'; fatal: true; topic: string }
  | { kind: 'subscribe_refused'; fatal: false; filter: string }
  | { kind: 'unreachable'; fatal: false; reason: string };

export interface LinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  will: Outgoing;
  subscriptions: string[];
  onConnect(): void;
  onMessage(topic: string, payload: Buffer): void;
  onProblem(problem: LinkProblem): void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** A connection the broker closes this soon after login, before acknowledging anything we sent, looks like a refused publish. */
const SHORT_LIVED_MS = 5000;
/** …and twice in a row it is one: a hub restarting does not close a fresh connection twice. */
const REFUSALS_BEFORE_GIVING_UP = 2;

/**
 * One simulated device's MQTT connection: connects with its last will,
 * reconnects with exponential backoff and jitter (a thousand devices must
 * not all knock at a restarted hub at once), and tells a refused login or a
 * refused topic apart from a broker that is merely away, so a device whose
 * messages will never be accepted stops instead of looping.
 *
 * Each attempt gets a fresh mqtt.js client with its own reconnecting turned
 * off: no queued packets or stale callbacks survive from one to the next.
 */
export class MqttLink {
  private client: MqttClient | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private shortLived = 0;
  private everConnected = false;
  private stopping = false;
  /** What happened on the current connection, for telling a refusal from an outage. */
  private connection: { since: number; published?: string; acked: boolean } = { since: 0, acked: false };
  private firstAttempt: Promise<void>;
  private settleFirstAttempt!: () => void;
  connected = false;
  /** connections made after the first one */
  reconnects = 0;
  sent = 0;
  /** set once the device has given up for good */
  failed = false;

  constructor(private readonly options: LinkOptions) {
    this.firstAttempt = new Promise((resolve) => (this.settleFirstAttempt = resolve));
  }

  /** Starts connecting; resolves once the first attempt has succeeded or failed (the runner staggers on it). */
  start(): Promise<void> {
    this.open();
    return this.firstAttempt;
  }

  publish(message: Outgoing): boolean {
    const client = this.client;
    if (!client || !this.connected) return false;
    const connection = this.connection;
    connection.published ??= message.topic;
    client.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain }, (error) => {
      // A QoS 1 callback without error is the broker's PUBACK: it took the message.
      if (!error && message.qos === 1) connection.acked = true;
    });
    this.sent++;
    return true;
  }

  /**
   * Sends `goodbye` (when connected) and disconnects cleanly, so the broker
   * does not publish the will; a broker that does not answer within
   * `deadlineMs` gets the connection dropped instead.
   */
  async stop(goodbye: Outgoing, deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    if (!client) return;
    let done = false;
    if (this.connected) {
      const graceful = (async () => {
        await new Promise<void>((resolve) => client.publish(goodbye.topic, goodbye.payload, { qos: goodbye.qos, retain: goodbye.retain }, () => resolve()));
        await client.endAsync();
        return true;
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
      done = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
    }
    if (!done) client.end(true);
    this.connected = false;
  }

  private open(): void {
    const { url, clientId, username, password, will } = this.options;
    const client = mqtt.connect(url, {
      clientId,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    this.client = client;
    let loginRefused: string | undefined;
    let lastError: string | undefined;
    let closed = false;
    client.on('connect', () => {
      this.connected = true;
      this.connection = { since: Date.now(), acked: false };
      if (this.everConnected) this.reconnects++;
      this.everConnected = true;
      this.failures = 0;
      for (const filter of this.options.subscriptions) {
        client.subscribe(filter, { qos: 1 }, (error) => {
          // mqtt.js reports a SUBACK failure code (0x80 and up) as an error carrying it.
          const code = (error as { code?: unknown } | null)?.code;
          if (typeof code === 'number' && code >= 0x80) this.options.onProblem({ kind: 'subscribe_refused', fatal: false, filter });
        });
      }
      this.options.onConnect();
      this.settleFirstAttempt();
    });
    client.on('message', (topic, payload) => this.options.onMessage(topic, payload));
    client.on('error', (error: Error & { code?: unknown }) => {
      // A CONNACK refusal carries its return code (4: bad username or password, 5: not authorized).
      if (typeof error.code === 'number') loginRefused = error.message.replace(/^Connection refused: /, '');
      else lastError = error.message;
    });
    client.on('close', () => {
      if (closed) return;
      closed = true;
      const wasConnected = this.connected;
      this.connected = false;
      client.end(true);
      this.settleFirstAttempt();
      if (this.stopping) return;
      if (loginRefused) return this.giveUp({ kind: 'login_refused', fatal: true, reason: loginRefused });
      if (wasConnected) {
        const { since, published, acked } = this.connection;
        const refusedLook = published !== undefined && !acked && Date.now() - since < SHORT_LIVED_MS;
        this.shortLived = refusedLook ? this.shortLived + 1 : 0;
        if (this.shortLived >= REFUSALS_BEFORE_GIVING_UP) return this.giveUp({ kind: 'publish_refused', fatal: true, topic: published! });
      } else {
        this.options.onProblem({ kind: 'unreachable', fatal: false, reason: lastError ?? 'connection closed before the broker answered' });
      }
      this.retry();
    });
  }

  private giveUp(problem: LinkProblem): void {
    this.failed = true;
    this.options.onProblem(problem);
  }

  private retry(): void {
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures++;
    this.retryTimer = setTimeout(() => this.open(), delay);
  }
}
