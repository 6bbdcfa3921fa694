/**
 * Sends a device's configured threshold to its firmware
 * (`hearth/<id>/cmd/threshold`, QoS 1) when the device does not have it
 * already, and logs its acknowledgement or its silence. Best effort: nothing
 * waits for it. What each device last acknowledged or reported in a heartbeat
 * is kept in the plugin's data folder, so a restart does not send it again.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginContext, Unsubscribe } from '../../core/plugin-api.ts';

interface Pending {
  deviceId: string;
  value: number;
  /** stops the ack timeout */
  cancel: Unsubscribe;
}

export class ThresholdPusher {
  private readonly file: string;
  private readonly known: Record<string, number>;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly ctx: Pick<PluginContext, 'mqtt' | 'log' | 'dataDir' | 'schedule'>,
    private readonly ackTimeoutMs: number,
  ) {
    this.file = join(ctx.dataDir, 'thresholds.json');
    this.known = readKnown(this.file, ctx.log);
  }

  async start(): Promise<void> {
    await this.ctx.mqtt.subscribe('hearth/+/cmd/threshold/ack', (message) => {
      let ack: { id?: unknown; ok?: unknown; value?: unknown; error?: unknown };
      try {
        ack = JSON.parse(message.payload.toString('utf8')) as typeof ack;
      } catch {
        return; // the core's command handling logs acks that are not JSON
      }
      const waiting = typeof ack.id === 'string' ? this.pending.get(ack.id) : undefined;
      // Another command's ack (the core's own, or another device's): not ours.
      if (!waiting || message.topic.split('/')[1] !== waiting.deviceId) return;
      this.settle(ack.id as string);
      if (ack.ok !== true) {
        this.ctx.log.warn({ device: waiting.deviceId }, `device ${waiting.deviceId} refused threshold ${waiting.value} cm: ${String(ack.error ?? 'no reason given')}`);
        return;
      }
      const value = typeof ack.value === 'number' ? ack.value : waiting.value;
      this.note(waiting.deviceId, value);
      this.ctx.log.info({ device: waiting.deviceId }, `device ${waiting.deviceId} acknowledged threshold ${value} cm`);
    });
  }

  /** What the device says it uses (an ack, or the `threshold` of its heartbeat). */
  note(deviceId: string, value: number): void {
    if (this.known[deviceId] === value) return;
    this.known[deviceId] = value;
    try {
      writeFileSync(this.file, JSON.stringify(this.known));
    } catch (error) {
      this.ctx.log.warn(`could not save ${this.file}: ${(error as Error).message}`);
    }
  }

  /** Sends `value` unless the device already has it or is being sent it. */
  push(deviceId: string, value: number): void {
    if (this.known[deviceId] === value) return;
    for (const p of this.pending.values()) if (p.deviceId === deviceId && p.value === value) return;
    const id = randomBytes(6).toString('hex');
    const cancel = this.ctx.schedule.after(this.ackTimeoutMs, () => {
      this.settle(id);
      this.ctx.log.warn({ device: deviceId }, `device ${deviceId} did not acknowledge threshold ${value} cm within ${this.ackTimeoutMs / 1000} s; sent again when it next comes online`);
    });
    this.pending.set(id, { deviceId, value, cancel });
    this.ctx.log.info({ device: deviceId }, `sending threshold ${value} cm to device ${deviceId} (it has ${this.known[deviceId] ?? 'an unknown one'})`);
    this.ctx.mqtt.publish(`hearth/${deviceId}/cmd/threshold`, JSON.stringify({ id, value }), { qos: 1 }).catch((error: Error) => {
      this.settle(id);
      this.ctx.log.warn({ device: deviceId }, `could not send threshold to device ${deviceId}: ${error.message}`);
    });
  }

  /** Done waiting for command `id`: its timeout is released too (the plugin's timers all go when it stops). */
  private settle(id: string): void {
    this.pending.get(id)?.cancel();
    this.pending.delete(id);
  }
}

/** Every device is sent its threshold once when nothing is known (first start, or a damaged file). */
function readKnown(file: string, log: PluginContext['log']): Record<string, number> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${file} unreadable (${(error as Error).message}): thresholds are sent again`);
    return {};
  }
}
