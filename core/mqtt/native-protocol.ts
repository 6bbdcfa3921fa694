import { DEVICE_ID_PATTERN, DeviceOwnershipError } from '../registry/devices.ts';
import {
  coerceValue,
  isInformational,
  parseAnnounce,
  parseJson,
  parseStatus,
  parseTimestamp,
  PayloadError,
  telemetryRecords,
} from './native-payloads.ts';
import { TelemetryFields } from './telemetry-fields.ts';
import type { AnnounceDefaults } from './announce-defaults.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { TopicMemo } from './topic-memo.ts';
import { Rejections } from './rejections.ts';
import type { MqttProtocolDeps } from './protocol-deps.ts';
import { NotAcknowledged, type MqttMessage } from './transport.ts';

/** Devices speaking the native protocol are owned by this pseudo-plugin. */
export const NATIVE_PLUGIN = 'mqtt';

export interface NativeProtocolDeps extends MqttProtocolDeps {
  /** Units, classes and names plugins vouch for, per device model, for announces that leave them out. */
  announceDefaults?: AnnounceDefaults;
  /** Makes what has been applied so far crash-safe (readings, states); awaited before a QoS 1 telemetry message is acknowledged. Rejects when that failed, or while the store cannot commit. */
  commit(): Promise<void>;
}

type TopicKind = 'announce' | 'telemetry' | 'status';

/** `hearth/<id>/<kind>`: the level between the first two slashes. */
function topicDeviceId(topic: string): string {
  const start = topic.indexOf('/') + 1;
  return topic.slice(start, topic.indexOf('/', start));
}

/**
 * The native `hearth/<device_id>/{announce,telemetry,status}` protocol.
 * Messages of one device are applied strictly in order (an announce that is
 * still writing the registry holds back the telemetry behind it); a bad
 * message is rejected, counted and logged, and never disturbs the others.
 */
export class NativeProtocol {
  private readonly unsubscribes: Array<() => Promise<void>> = [];
  private readonly queue = new KeyedQueue((error, topic) => this.failed(topic, error));
  private readonly rejections: Rejections;
  /** Filled and applied by one message at a time (telemetry is applied synchronously), so one will do. */
  private readonly fields = new TelemetryFields();
  /** Each topic's device id, or null when it is not one: read once per topic, and the same string every time, so the lookups by it need not hash it again. */
  private readonly deviceIds = new TopicMemo((topic) => {
    const deviceId = topicDeviceId(topic);
    return DEVICE_ID_PATTERN.test(deviceId) ? deviceId : null;
  });

  constructor(private readonly deps: NativeProtocolDeps) {
    this.rejections = new Rejections(deps.log, deps.metrics);
  }

  async start(): Promise<void> {
    const { mqtt } = this.deps;
    // Durable, ordered ingest: where the broker allows, each message is applied
    // before the broker acknowledges it (a QoS 1 telemetry message only once its
    // readings are crash-safe, so nothing a device was told is safe is lost, even
    // to kill -9), and all three topics take the same path, so a device's
    // telemetry can never overtake the announce that registers it.
    const take = (mqtt.intercept ?? mqtt.subscribe).bind(mqtt);
    for (const kind of ['announce', 'telemetry', 'status'] as const) {
      const counted = this.deps.metrics.mqttMessages(kind);
      const handler = (m: MqttMessage): void | Promise<void> => {
        counted.value++;
        const applied = this.receive(kind, m);
        if (kind === 'telemetry' && m.qos > 0) return (applied ? applied.then(this.deps.commit) : this.deps.commit()).catch((error: unknown) => this.notCommitted(m.topic, error));
        return applied;
      };
      this.unsubscribes.push(await take(`hearth/+/${kind}`, handler));
    }
    this.deps.approvals?.onApproved(NATIVE_PLUGIN, (topic, payload) => this.receive('announce', { topic, payload, qos: 0, retain: false }));
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) await unsubscribe();
    await this.queue.drain();
  }

  /**
   * Applies the message in its device's order: undefined when that is done
   * already (telemetry, usually), else a promise of it. A rejection is applied too.
   */
  private receive(kind: TopicKind, message: MqttMessage): Promise<void> | undefined {
    const deviceId = this.deviceIds.get(message.topic);
    if (deviceId === null) {
      this.rejections.reject(message.topic, 'invalid_topic', `device id "${topicDeviceId(message.topic)}" must be 1-64 letters, digits, "_" or "-"`);
      return undefined;
    }
    // A retained topic being cleared: nothing to apply.
    if (message.payload.length === 0) return undefined;
    return this.queue.run(deviceId, message.topic, () => {
      if (kind === 'announce') return this.announce(deviceId, message);
      if (kind === 'telemetry') return this.telemetry(deviceId, message);
      return this.status(deviceId, message);
    });
  }

  /** The readings of a QoS 1 message could not be made safe: no PUBACK, so the device sends it again (they stay queued here too). */
  private notCommitted(topic: string, error: unknown): never {
    const reason = error instanceof Error ? error.message : String(error);
    this.rejections.reject(topic, 'not_committed', `not acknowledged, the device will send it again: ${reason}`);
    throw new NotAcknowledged(reason);
  }

  private failed(topic: string, error: unknown): void {
    if (error instanceof PayloadError) return this.rejections.reject(topic, error.reason, error.message, error.field);
    if (error instanceof DeviceOwnershipError) return this.rejections.reject(topic, 'device_conflict', error.message);
    this.deps.log.error({ err: error, topic }, `failed to apply MQTT message on ${topic}: ${(error as Error).message}`);
  }

  private async announce(deviceId: string, message: MqttMessage): Promise<void> {
    const { devices, entities, log } = this.deps;
    const announcement = parseAnnounce(deviceId, message.payload);
    const { name, model, manufacturer } = announcement;
    const arrival = { deviceId, source: NATIVE_PLUGIN, topic: message.topic, payload: message.payload, name, model, manufacturer };
    if (this.deps.approvals && !(await this.deps.approvals.admit(arrival))) return;
    const { created } = await devices.upsert(NATIVE_PLUGIN, {
      id: deviceId,
      name: announcement.name,
      manufacturer: announcement.manufacturer,
      model: announcement.model,
      sw_version: announcement.sw,
      offline_after: announcement.offline_after === undefined ? null : announcement.offline_after * 1000,
    });
    for (const announced of announcement.entities) {
      const e = this.deps.announceDefaults?.apply(model, announced) ?? announced;
      await entities.upsert(NATIVE_PLUGIN, {
        unique_id: `${deviceId}.${e.key}`,
        device_id: deviceId,
        key: e.key,
        kind: e.kind,
        name: e.name ?? e.key,
        unit: e.unit ?? null,
        device_class: e.device_class ?? null,
        state_class: e.state_class ?? null,
      });
    }
    await devices.setOnline(deviceId, true);
    const line = `device ${deviceId} announced with ${announcement.entities.length} entities`;
    if (created) log.info({ device: deviceId }, line);
    else log.debug({ device: deviceId }, line);
  }

  private telemetry(deviceId: string, message: MqttMessage): void | Promise<void> {
    const { devices } = this.deps;
    const device = devices.get(deviceId);
    if (!device || device.plugin !== NATIVE_PLUGIN) this.unknownDevice(deviceId);
    const now = Date.now();
    const { fields } = this;
    let latest = 0;
    // One flat object is the common case: read from the bytes, no JSON.parse and no array made for it.
    if (fields.readFlat(message.payload)) latest = this.record(deviceId, message.topic, fields, now);
    else for (const record of telemetryRecords(parseJson(message.payload))) latest = Math.max(latest, this.record(deviceId, message.topic, fields.fromObject(record), now));
    if (latest === 0) return;
    devices.touch(deviceId, Math.min(latest, now));
    if (device.online !== true) return devices.setOnline(deviceId, true, now);
  }

  /** Applies one telemetry record; returns its time, or 0 when its time was refused. */
  private record(deviceId: string, topic: string, record: TelemetryFields, now: number): number {
    const { entities, states } = this.deps;
    let ts: number;
    try {
      ts = parseTimestamp(record.ts, now);
    } catch (error) {
      this.failed(topic, error);
      return 0;
    }
    for (let i = 0; i < record.length; i++) {
      const key = record.keys[i]!;
      const raw = record.values[i];
      try {
        if (isInformational(deviceId, key, raw)) continue;
      } catch (error) {
        this.failed(topic, error);
        continue;
      }
      const entity = entities.byDeviceKey(deviceId, key);
      if (!entity || entity.plugin !== NATIVE_PLUGIN) {
        this.failed(topic, new PayloadError('unknown_entity', `"${key}" was not announced by device "${deviceId}"`, key));
        continue;
      }
      try {
        states.set(entity.entity_id, coerceValue(entity, raw), { ts });
      } catch (error) {
        this.failed(topic, error);
      }
    }
    return ts;
  }

  private unknownDevice(deviceId: string): never {
    const status = this.deps.approvals?.status(deviceId);
    if (status === 'pending' || status === 'rejected') {
      throw new PayloadError('not_approved', `device "${deviceId}" is ${status === 'pending' ? 'waiting for approval' : 'rejected'}: its messages are not recorded`);
    }
    throw new PayloadError('unknown_device', `unknown device "${deviceId}": announce it first on hearth/${deviceId}/announce`);
  }

  private async status(deviceId: string, message: MqttMessage): Promise<void> {
    const online = parseStatus(message.payload);
    if (!this.deps.devices.get(deviceId)) this.unknownDevice(deviceId);
    await this.deps.devices.setOnline(deviceId, online);
    this.deps.log.info({ device: deviceId }, `device ${deviceId} is ${online ? 'online' : 'offline'}`);
  }
}
