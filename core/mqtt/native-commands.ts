import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { commandValue } from '../commands/command-values.ts';
import { CommandError, type CommandAck, type CommandRequest } from '../commands/router.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { StateMachine } from '../states/state-machine.ts';
import type { EventLog } from '../store/event-log.ts';
import type { MqttTransport } from './transport.ts';

interface Pending {
  deviceId: string;
  resolve(ack: CommandAck): void;
}

/**
 * Commands to native devices: `hearth/<id>/cmd/<key>` with `{"id", "value"}`,
 * answered on `…/ack` with `{"id", "ok", "value"?, "error"?}`. A confirmed
 * value becomes the entity's state at once (the device said so), and every
 * command is written to the event log with its outcome.
 */
export class NativeCommands {
  private readonly pending = new Map<string, Pending>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly deps: { mqtt: MqttTransport; devices: DeviceRegistry; states: StateMachine; events: EventLog; log: Logger },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.mqtt.subscribe('hearth/+/cmd/+/ack', (message) => {
      let ack: Partial<CommandAck>;
      try {
        ack = JSON.parse(message.payload.toString('utf8')) as Partial<CommandAck>;
      } catch {
        this.deps.log.warn({ topic: message.topic }, `rejected MQTT message on ${message.topic}: ack is not JSON`);
        return;
      }
      const waiting = typeof ack.id === 'string' ? this.pending.get(ack.id) : undefined;
      // An ack from another device than the one asked is ignored: ids are not secrets.
      if (!waiting || message.topic.split('/')[1] !== waiting.deviceId) return;
      waiting.resolve({ id: ack.id!, ok: ack.ok === true, ...(ack.value !== undefined ? { value: ack.value } : {}), ...(typeof ack.error === 'string' ? { error: ack.error } : {}) });
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    for (const [id, waiting] of this.pending) waiting.resolve({ id, ok: false, error: 'hub stopping' });
  }

  send = async ({ entity, value, timeoutMs }: CommandRequest): Promise<CommandAck> => {
    const payloadValue = commandValue(entity, value);
    const device = entity.device_id ? this.deps.devices.get(entity.device_id) : undefined;
    if (!device) throw new CommandError('unsupported', `${entity.entity_id} has no device to send a command to`);
    if (device.online === false) throw new CommandError('offline', `device "${device.id}" is offline`);
    const id = randomBytes(6).toString('hex');
    const ack = await new Promise<CommandAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CommandError('timeout', `device "${device.id}" did not acknowledge command ${id} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        deviceId: device.id,
        resolve: (answer) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(answer);
        },
      });
      this.deps.mqtt.publish(`hearth/${device.id}/cmd/${entity.key}`, JSON.stringify({ id, value: payloadValue }), { qos: 1 }).catch((error: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error);
      });
    }).catch((error: unknown) => {
      this.record(entity.entity_id, device.id, id, payloadValue, { ok: false, error: (error as Error).message });
      throw error;
    });
    this.record(entity.entity_id, device.id, id, payloadValue, ack);
    if (ack.ok && ack.value !== undefined && isStateValue(ack.value)) {
      this.deps.states.set(entity.entity_id, ack.value);
    }
    return ack;
  };

  private record(entityId: string, deviceId: string, id: string, value: unknown, outcome: { ok: boolean; error?: string }): void {
    this.deps.events.record({ type: 'command', device_id: deviceId, entity_id: entityId, data: { id, value, ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}) } });
  }
}

function isStateValue(value: unknown): value is number | string | boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || typeof value === 'boolean';
}
