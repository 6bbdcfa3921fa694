/**
 * The real MQTT client behind the firmware's umqtt.simple on MicroPython-wasm
 * (tests/micropython/umqtt/simple.py): each of its calls arrives here as
 * (op, JSON arguments) and is done with mqtt.js over a real TCP connection;
 * the answer says what umqtt.simple would have returned or raised.
 */
import { constants } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';

/** `result` is returned; `os_error` raises OSError(errno or text), `mqtt_error` MQTTException(code). */
export type BridgeAnswer = { result?: unknown; os_error?: number | string; mqtt_error?: number };

interface ConnectArgs {
  client_id: string;
  server: string;
  port: number;
  user: string | null;
  password: string | null;
  keepalive: number;
  clean_session: boolean;
  will: { topic: string; msg: string; retain: boolean; qos: 0 | 1 | 2 } | null;
  timeout_s: number | null;
}

/** A call's wait for the broker, bounded as the firmware's socket time-out bounds it (null: none). */
type Timeout = { timeout_s: number | null };

export class MqttBridge {
  private client: MqttClient | undefined;
  private inbox: [string, string][] = [];
  private poweredOff = false;

  async handle(op: string, args: Record<string, unknown>): Promise<BridgeAnswer> {
    const answer = await this.do(op, args);
    if (this.poweredOff) this.drop(); // the power went while the call was under way
    return answer;
  }

  /** Ends the connection the way a power cut does: no DISCONNECT, so the broker publishes the will. */
  powerOff(): void {
    this.poweredOff = true;
    this.drop();
  }

  private async do(op: string, args: Record<string, unknown>): Promise<BridgeAnswer> {
    try {
      switch (op) {
        case 'connect':
          return { result: await this.connect(args as unknown as ConnectArgs) };
        case 'publish': {
          const { topic, msg, retain, qos, timeout_s } = args as { topic: string; msg: string; retain: boolean; qos: 0 | 1 } & Timeout;
          await this.unlessClosed(this.session().publishAsync(topic, msg, { retain, qos }), timeout_s);
          return {};
        }
        case 'subscribe': {
          const { topic, qos, timeout_s } = args as { topic: string; qos: 0 | 1 } & Timeout;
          const [granted] = await this.unlessClosed(this.session().subscribeAsync(topic, { qos }), timeout_s);
          return granted?.qos === 0x80 ? { mqtt_error: 0x80 } : {};
        }
        case 'check_msg':
          this.session();
          return { result: this.inbox.shift() ?? null };
        case 'ping':
          this.session().sendPing();
          return {};
        case 'close': // the socket closed without DISCONNECT
          this.drop();
          return {};
        case 'disconnect':
          await this.session().endAsync();
          this.client = undefined;
          return {};
        default:
          throw new Error(`umqtt.simple bridge: unknown call ${op}`);
      }
    } catch (error) {
      const { code } = error as { code?: unknown };
      // a CONNACK refusal carries its return code, a socket error its errno name (ECONNREFUSED → 111 as on the Pico)
      if (typeof code === 'number') return { mqtt_error: code };
      if (typeof code === 'string' && code in constants.errno) return { os_error: constants.errno[code as keyof typeof constants.errno] };
      return { os_error: (error as Error).message };
    }
  }

  private drop(): void {
    this.client?.end(true);
    this.client = undefined;
  }

  private session(): MqttClient {
    if (!this.client?.connected) throw new Error('connection closed');
    return this.client;
  }

  /** Waits for the broker's answer, or fails when the connection closes first (umqtt.simple's read fails then) or the time-out passes. */
  private unlessClosed<T>(answer: Promise<T>, timeoutS: number | null): Promise<T> {
    const client = this.session();
    let onClose = () => {};
    const closed = new Promise<never>((_, reject) => {
      onClose = () => reject(new Error('connection closed while waiting for the broker'));
      client.once('close', onClose);
    });
    return withinTimeout(Promise.race([answer, closed]), timeoutS).finally(() => client.off('close', onClose));
  }

  private connect(args: ConnectArgs): Promise<boolean> {
    this.drop();
    this.inbox = [];
    const client = mqtt.connect({
      host: args.server,
      port: args.port,
      clientId: args.client_id,
      protocolVersion: 4,
      clean: args.clean_session,
      keepalive: args.keepalive,
      reconnectPeriod: 0,
      ...(args.user !== null ? { username: args.user } : {}),
      ...(args.password !== null ? { password: args.password } : {}),
      ...(args.will ? { will: { topic: args.will.topic, payload: Buffer.from(args.will.msg), retain: args.will.retain, qos: args.will.qos } } : {}),
    });
    client.on('message', (topic, payload) => this.inbox.push([topic, payload.toString()]));
    this.client = client;
    const connack = new Promise<boolean>((resolve, reject) => {
      client.once('connect', (connack) => resolve(connack.sessionPresent));
      // Also after CONNACK: an error closes the connection, and the firmware's next call raises.
      client.on('error', (error) => {
        client.end(true);
        reject(error);
      });
      client.once('close', () => reject(Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' })));
    });
    return withinTimeout(connack, args.timeout_s);
  }
}

/** Rejects as a socket time-out does on the Pico (OSError ETIMEDOUT) when `answer` takes longer than `timeoutS` (null: no limit). */
function withinTimeout<T>(answer: Promise<T>, timeoutS: number | null): Promise<T> {
  if (timeoutS === null) return answer;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('socket time-out'), { code: 'ETIMEDOUT' })), timeoutS * 1000);
  });
  return Promise.race([answer, timedOut]).finally(() => clearTimeout(timer));
}
