import { seededRandom, type Random } from './random.ts';

/** One MQTT message a simulated device sends, with the QoS and retain flag its firmware uses. */
export interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/** What a simulated device may do with its connection; the runner provides it. */
export interface DeviceIo {
  /** Sends the message; false (nothing sent) while the device is not connected. */
  publish(message: Outgoing): boolean;
  readonly connected: boolean;
  /** Counts an answer to a command (an ack or an RPC response) for the summary line. */
  answered(): void;
  /** Re-arms the device's schedules from now, with their current delays (after a new report interval). */
  resetSchedules(): void;
}

/** Something a device does again and again: a reading, a trigger, a heartbeat. */
export interface Schedule {
  /** Delay before the next run, asked anew each time (a command may change the device's interval). */
  nextDelayMs(): number;
  run(io: DeviceIo): void;
}

/** How a device meets the broker, fixed for its life. */
export interface BrokerIdentity {
  /** MQTT client id, and the username of its account */
  clientId: string;
  will: Outgoing;
  /** what it publishes before a clean disconnect, since the broker drops the will then */
  goodbye: Outgoing;
  subscriptions: string[];
  /** what a user needs to know when the broker refuses this device's topics */
  refusalHint: string;
}

/**
 * A simulated device: the firmware's behaviour on top of a connection the
 * runner owns (connect, last will, reconnects, stop). Everything it sends
 * goes through `io`, so a device kind is only its protocol.
 */
export abstract class SimDevice implements BrokerIdentity {
  readonly clientId: string;
  readonly will: Outgoing;
  readonly goodbye: Outgoing;
  readonly subscriptions: string[];
  readonly refusalHint: string;
  /** Seeded by the sim id, so the device has the same character on every run. */
  protected readonly random: Random;
  /** the one line printed for it at start */
  abstract readonly description: string;
  abstract readonly schedules: Schedule[];

  /** `simId`: the id the simulator knows it by, `sim-pico-1`. */
  constructor(
    readonly simId: string,
    identity: BrokerIdentity,
  ) {
    this.clientId = identity.clientId;
    this.will = identity.will;
    this.goodbye = identity.goodbye;
    this.subscriptions = identity.subscriptions;
    this.refusalHint = identity.refusalHint;
    this.random = seededRandom(simId);
  }

  /** The connection is up (at boot, and after every reconnect): announce, go online, send what is queued. */
  abstract connected(io: DeviceIo): void;
  abstract message(io: DeviceIo, topic: string, payload: Buffer): void;
}

export interface SimDeviceInit {
  /** messages per second the device's main schedule aims at */
  rate: number;
  /** 1-based position among the devices of its kind, for names */
  index: number;
  /** Pico heartbeat period; the firmware's 300 s unless a test shortens it */
  heartbeatMs: number;
}
