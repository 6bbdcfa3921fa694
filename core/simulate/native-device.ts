import { SimDevice, type DeviceIo, type Outgoing } from './sim-device.ts';

/** An entity as a native announce lists it (docs/protocol.md). */
export interface AnnouncedEntity {
  key: string;
  kind: string;
  name: string;
  unit?: string;
  device_class?: string;
  state_class?: 'measurement' | 'total' | 'total_increasing';
}

export type CommandResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Applies a command's value (undefined when the command had none); `value` in an ok result is the one now in effect. */
export type CommandHandler = (value: unknown) => CommandResult;

/** A device's commands by key, and its firmware's answer to any other key. */
export interface DeviceCommands {
  handlers: Record<string, CommandHandler>;
  unknown(key: string): string;
}

/** A refused value as the firmwares quote it in their errors: JSON (null for none), cut at 40 characters as the ESP32 does. */
export function quoted(value: unknown): string {
  const json = JSON.stringify(value ?? null);
  return json.length > 40 ? `${json.slice(0, 40)}...` : json;
}

/**
 * The native protocol as our own firmware speaks it (docs/protocol.md):
 * topics under `hearth/<id>/`, retained announce and status with `offline`
 * as last will, commands on `cmd/<key>` answered on `cmd/<key>/ack`. Shared
 * by the Pico W and ESP32 simulations, which differ only in what they send
 * and in their QoS (umqtt.simple publishes at QoS 1, PubSubClient only at 0).
 */
class NativeTopics {
  readonly subscriptions: string[];

  constructor(
    readonly deviceId: string,
    private readonly qos: 0 | 1,
  ) {
    // cmd/+ and not cmd/#, which would bring back the device's own acks.
    this.subscriptions = [`hearth/${deviceId}/cmd/+`];
  }

  /** The last will: retained, QoS 1 on both firmwares. */
  get will(): Outgoing {
    return { topic: this.topic('status'), payload: 'offline', qos: 1, retain: true };
  }

  get goodbye(): Outgoing {
    return { ...this.will, qos: this.qos };
  }

  get online(): Outgoing {
    return { topic: this.topic('status'), payload: 'online', qos: this.qos, retain: true };
  }

  announce(body: { name: string; model: string; sw: string; offline_after: number; entities: readonly AnnouncedEntity[] }): Outgoing {
    const payload = { id: this.deviceId, name: body.name, model: body.model, manufacturer: 'Hearth', sw: body.sw, offline_after: body.offline_after, entities: body.entities };
    return { topic: this.topic('announce'), payload: JSON.stringify(payload), qos: this.qos, retain: true };
  }

  telemetry(body: object): Outgoing {
    return { topic: this.topic('telemetry'), payload: JSON.stringify(body), qos: this.qos, retain: false };
  }

  /**
   * Handles a message on `hearth/<id>/cmd/<key>`: applies it with the key's
   * handler and publishes the ack. A payload without a command id cannot be
   * answered and is dropped, as the firmware does. Returns what was applied.
   */
  command(io: DeviceIo, topic: string, payload: Buffer, commands: DeviceCommands): { key: string; value: unknown } | undefined {
    const key = topic.slice(this.topic('cmd/').length);
    const request = parseRequest(payload);
    if (!request) return undefined;
    const handler = Object.hasOwn(commands.handlers, key) ? commands.handlers[key] : undefined;
    const result: CommandResult = handler ? handler(request.value) : { ok: false, error: commands.unknown(key) };
    const ack = result.ok ? { id: request.id, ok: true, value: result.value } : { id: request.id, ok: false, error: result.error };
    if (io.publish({ topic: `${topic}/ack`, payload: JSON.stringify(ack), qos: this.qos, retain: false })) io.answered();
    return result.ok ? { key, value: result.value } : undefined;
  }

  private topic(rest: string): string {
    return `hearth/${this.deviceId}/${rest}`;
  }
}

function parseRequest(payload: Buffer): { id: string; value: unknown } | undefined {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { id?: unknown; value?: unknown };
    return typeof parsed?.id === 'string' ? { id: parsed.id, value: parsed.value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A simulation of our own firmware: its device id is its client id and its
 * account's username, and it meets the broker through NativeTopics.
 */
export abstract class NativeSimDevice extends SimDevice {
  protected readonly native: NativeTopics;

  constructor(simId: string, qos: 0 | 1) {
    const native = new NativeTopics(simId, qos);
    super(simId, { clientId: simId, will: native.will, goodbye: native.goodbye, subscriptions: native.subscriptions, refusalHint: nativeRefusalHint(simId) });
    this.native = native;
  }
}

/** The hint shown when the broker refuses a native device's topics: with the embedded broker, username and device id must match. */
function nativeRefusalHint(deviceId: string): string {
  return `the embedded broker lets an account publish only under hearth/<its username>/: log in as "${deviceId}" (the simulator provisions that account itself unless --username is given)`;
}
