/**
 * The Picos the plugin looks after, each with its motion sensor, armed switch,
 * motion tracker and arming state. A native Pico (announced with model
 * `pico-ultrasonic`, or listed under `devices:`) belongs to the core, which
 * keeps its distance; the plugin adds `motion` and `armed` to it. A legacy
 * Pico that never announced becomes the plugin's own device, with a distance
 * sensor too.
 */
import type { Device, PluginContext } from '../../core/plugin-api.ts';
import { ArmedState } from './armed-state.ts';
import { INTRUSION, intrusion } from './intrusion.ts';
import { LegacyPayloadError, type LegacyReading } from './legacy-payload.ts';
import { MotionTracker, type Reading } from './motion.ts';
import type { DeviceSettings, PicoConfig, PicoSettings } from './settings.ts';
import type { PicoRecord } from './telemetry.ts';
import type { ThresholdPusher } from './threshold-push.ts';

/** Owner of devices speaking the hub's own protocol. */
const NATIVE = 'mqtt';
const MODEL = 'pico-ultrasonic';
const LEGACY_MODEL = 'pico-ultrasonic-legacy';

interface Pico {
  id: string;
  settings: DeviceSettings;
  motionEntityId: string;
  tracker: MotionTracker;
  armed: ArmedState;
  /** the latest baseline the device reported (cm), for readings that come without one */
  baseline: number | null;
  /** a legacy device's distance sensor, the plugin's own */
  distanceEntityId?: string;
  /** set when the device comes online: its threshold is checked with its next message, once it listens to commands */
  thresholdDue: boolean;
}

type LegacyPico = Pico & { distanceEntityId: string };

export class PicoDevices {
  private readonly picos = new Map<string, Pico>();
  private readonly starting = new Map<string, Promise<Pico | undefined>>();
  private readonly claimed = new Set<string>();
  /** per legacy device, the last of its readings being applied */
  private readonly legacyQueue = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: PluginContext<PicoConfig>,
    private readonly settings: PicoSettings,
    /** null when `push_threshold` is off */
    private readonly pusher: ThresholdPusher | null,
  ) {}

  /** Lets the device's MQTT account publish its legacy messages. */
  claimLegacyTopic(deviceId: string): void {
    if (this.claimed.has(deviceId)) return;
    this.ctx.mqtt.claimDeviceTopics(deviceId, [this.ctx.config.legacy_topic.replace('+', deviceId)]);
    this.claimed.add(deviceId);
  }

  /** Takes on the device if it is a Pico (again or for the first time); resolves with it, or undefined. */
  consider(deviceId: string): Promise<Pico | undefined> {
    const known = this.picos.get(deviceId);
    if (known) return Promise.resolve(known);
    const device = this.ctx.devices.get(deviceId);
    if (!device || !this.handles(device)) return Promise.resolve(undefined);
    let starting = this.starting.get(deviceId);
    if (!starting) {
      starting = this.start(device)
        .catch((error: Error) => {
          this.ctx.log.warn({ device: deviceId }, `device ${deviceId}: cannot add motion and armed entities: ${error.message}`);
          return undefined;
        })
        .finally(() => this.starting.delete(deviceId));
      this.starting.set(deviceId, starting);
    }
    return starting;
  }

  get(deviceId: string): Pico | undefined {
    return this.picos.get(deviceId);
  }

  /** True for a Pico taken on or being taken on: its messages are worth reading. */
  watching(deviceId: string): boolean {
    return this.picos.has(deviceId) || this.starting.has(deviceId);
  }

  /** A native telemetry message: heartbeats bring the baseline and threshold, triggered readings motion. */
  async native(deviceId: string, records: PicoRecord[]): Promise<void> {
    const pico = this.picos.get(deviceId) ?? (await this.starting.get(deviceId));
    if (!pico) return;
    for (const record of records) {
      if (record.threshold !== undefined) this.pusher?.note(deviceId, record.threshold);
      if (record.baseline !== undefined) pico.baseline = record.baseline;
      if (record.distance !== undefined) pico.tracker.take({ ts: record.ts, distance: record.distance, baseline: record.baseline ?? pico.baseline });
    }
    if (pico.thresholdDue) {
      pico.thresholdDue = false;
      this.pusher?.push(deviceId, pico.settings.thresholdCm);
    }
  }

  /**
   * A valid legacy reading; rejects with a LegacyPayloadError when the device id is not a Pico's.
   * A device's readings are applied in the order they came, even while its first one is still
   * creating the device.
   */
  legacy(deviceId: string, reading: LegacyReading): Promise<void> {
    const next = (this.legacyQueue.get(deviceId) ?? Promise.resolve()).then(() => this.applyLegacy(deviceId, reading));
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.legacyQueue.set(deviceId, settled);
    void settled.then(() => {
      if (this.legacyQueue.get(deviceId) === settled) this.legacyQueue.delete(deviceId);
    });
    return next;
  }

  private async applyLegacy(deviceId: string, reading: LegacyReading): Promise<void> {
    const known = this.picos.get(deviceId);
    const pico = known?.distanceEntityId ? (known as LegacyPico) : await this.adoptLegacy(deviceId);
    if (this.ctx.devices.get(deviceId)?.plugin === this.ctx.id) await this.ctx.devices.setOnline(deviceId, true);
    this.ctx.states.set(pico.distanceEntityId, reading.distance, { ts: reading.ts });
    pico.tracker.take({ ...reading, baseline: pico.settings.baselineCm });
  }

  /** The first legacy message of a device: made the plugin's own if new, given a distance sensor of the plugin's. */
  private async adoptLegacy(deviceId: string): Promise<LegacyPico> {
    const device = this.ctx.devices.get(deviceId);
    if (device && device.plugin !== this.ctx.id && device.plugin !== NATIVE) {
      throw new LegacyPayloadError('device_conflict', `device "${deviceId}" belongs to plugin "${device.plugin}"`);
    }
    if (device?.plugin === NATIVE && this.ctx.entities.list().some((e) => e.device_id === deviceId && e.key === 'distance' && e.plugin === NATIVE)) {
      throw new LegacyPayloadError('device_conflict', `device "${deviceId}" announced its own distance: it speaks the native protocol, on hearth/${deviceId}/telemetry`);
    }
    if (!device) {
      const name = this.settings.for(deviceId).name ?? deviceId;
      await this.ctx.devices.upsert({ id: deviceId, name, manufacturer: 'Hearth', model: LEGACY_MODEL });
      this.ctx.log.info({ device: deviceId }, `legacy Pico ${deviceId} created from its first message`);
    }
    const pico = await this.consider(deviceId);
    if (!pico) throw new LegacyPayloadError('device_conflict', `device "${deviceId}" is not a Pico (model ${device?.model ?? 'unknown'}); list it under devices: if it is one`);
    const distance = await this.ctx.entities.upsert({
      unique_id: `${deviceId}.distance`,
      device_id: deviceId,
      key: 'distance',
      kind: 'sensor',
      name: 'Distance',
      unit: 'cm',
      device_class: 'distance',
      state_class: 'measurement',
    });
    pico.distanceEntityId = distance.entity_id;
    return pico as LegacyPico;
  }

  cameOnline(deviceId: string): void {
    const pico = this.picos.get(deviceId);
    if (pico) pico.thresholdDue = true;
  }

  removed(deviceId: string): void {
    this.picos.get(deviceId)?.tracker.stop();
    this.picos.delete(deviceId);
  }

  refreshArmed(now: number): void {
    for (const pico of this.picos.values()) pico.armed.refresh(now);
  }

  private handles(device: Device): boolean {
    if (device.plugin === this.ctx.id) return true;
    return device.plugin === NATIVE && (device.model === MODEL || this.settings.listed().includes(device.id));
  }

  private async start(device: Device): Promise<Pico> {
    const { ctx } = this;
    const settings = this.settings.for(device.id);
    const motion = await ctx.entities.upsert({ unique_id: `${device.id}.motion`, device_id: device.id, key: 'motion', kind: 'binary_sensor', name: 'Motion', device_class: 'motion' });
    const armedSwitch = await ctx.entities.upsert({ unique_id: `${device.id}.armed`, device_id: device.id, key: 'armed', kind: 'switch', name: 'Armed' });
    const nativeBaseline = ctx.entities.list().find((e) => e.device_id === device.id && e.key === 'baseline' && e.plugin === NATIVE);
    const baseline = nativeBaseline ? ctx.states.get(nativeBaseline.entity_id)?.state : undefined;
    const armed = new ArmedState(settings.schedule, (value, attributes) => ctx.states.set(armedSwitch.entity_id, value, { attributes }));
    armed.restore(ctx.states.get(armedSwitch.entity_id), Date.now());
    const pico: Pico = {
      id: device.id,
      settings,
      motionEntityId: motion.entity_id,
      armed,
      baseline: typeof baseline === 'number' ? baseline : null,
      thresholdDue: device.plugin === NATIVE,
      tracker: new MotionTracker(
        settings,
        {
          changed: (on, ts) => {
            // Off is never written before the on it ends, even when the device's clock runs ahead of ours.
            const shown = ctx.states.get(motion.entity_id);
            ctx.states.set(motion.entity_id, on, { ts: on ? ts : Math.max(ts, shown?.last_updated ?? ts) });
          },
          started: (reading) => this.started(pico, reading),
        },
        ctx.schedule.after,
      ),
    };
    // No episode is open when the plugin starts: one shown from before a restart would never end.
    if (ctx.states.get(motion.entity_id)?.state !== false) ctx.states.set(motion.entity_id, false);
    this.picos.set(device.id, pico);
    this.claimLegacyTopic(device.id);
    ctx.log.info({ device: device.id }, `Pico ${device.id}: motion at ${settings.thresholdCm} cm from the baseline, off after ${settings.timeoutMs / 1000} s`);
    return pico;
  }

  /** Motion started: an intrusion if the device is armed at the device's own time of the reading. */
  private started(pico: Pico, reading: Reading): void {
    if (!pico.armed.armedAt(reading.ts)) return;
    const device = this.ctx.devices.get(pico.id);
    const event = intrusion(reading, { id: pico.id, name: device?.name ?? pico.id, motionEntityId: pico.motionEntityId, thresholdCm: pico.settings.thresholdCm }, this.settings.timeZone);
    this.ctx.events.record({ type: INTRUSION, ts: reading.ts, device_id: pico.id, entity_id: pico.motionEntityId, data: { ...event } });
    this.ctx.bus.emit(INTRUSION, event);
    this.ctx.log.warn({ device: pico.id }, `intrusion at ${event.device_name}: ${reading.distance} cm on ${event.weekday} ${event.local_time} (${event.time_zone})`);
  }
}
