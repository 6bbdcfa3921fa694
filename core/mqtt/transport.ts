/**
 * How the hub talks MQTT, whether through its embedded broker or as a client
 * of an external one. Handlers are called in the order the broker delivers.
 */
export interface MqttMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export type MqttHandler = (message: MqttMessage) => void | Promise<void>;

/**
 * Thrown (or rejected with) by an intercepting handler that could not make a
 * QoS 1 message durable: the embedded broker then withholds the PUBACK and
 * closes the client's connection, so the client sends the message again.
 * Any other handler error is only logged, and the message acknowledged.
 */
export class NotAcknowledged extends Error {}

export interface PublishOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface MqttHealth {
  mode: 'embedded' | 'external';
  status: 'ok' | 'error';
  /** where devices connect */
  port?: number;
  clients?: number;
  error?: string;
}

export interface MqttTransport {
  subscribe(filter: string, handler: MqttHandler): Promise<() => Promise<void>>;
  /**
   * Like subscribe, but for a message from a client the handler runs, and its
   * promise settles, before the broker acknowledges it: what the handler has
   * committed by then is durable once the device holds its PUBACK. Only a
   * broker the hub runs itself can offer this.
   */
  intercept?(filter: string, handler: MqttHandler): Promise<() => Promise<void>>;
  publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
  health(): MqttHealth;
  close(): Promise<void>;
}
