import type { Logger } from 'pino';
import { DeviceOwnershipError, type DeviceInput } from '../registry/devices.ts';
import {
  deviceIdFor,
  parseDiscoveryPayload,
  parseDiscoveryTopic,
  SUPPORTED_COMPONENTS,
  type ComponentConfig,
} from './ha-discovery-payload.ts';
import { compileTemplate, MISSING, stringify, type CompiledTemplate } from './ha-discovery-template.ts';
import { valueReader, type ValueReader } from './ha-discovery-values.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { PayloadError } from './native-payloads.ts';
import { Rejections } from './rejections.ts';
import type { MqttProtocolDeps } from './protocol-deps.ts';
import type { MqttHandler, MqttMessage, MqttTransport } from './transport.ts';

/** Devices and entities found through Home Assistant discovery are owned by this pseudo-plugin. */
export const HA_DISCOVERY_PLUGIN = 'ha-discovery';

export interface HaDiscoveryDeps extends MqttProtocolDeps {
  /** The discovery prefix; `homeassistant` unless configured otherwise. */
  prefix?: string;
}

/** A discovered component being followed: its state topic and availability topics are subscribed. */
interface Binding {
  config: ComponentConfig;
  deviceId: string | null;
  /** Messages of one device (or of a device-less entity) are applied in order. */
  orderKey: string;
  reader: ValueReader;
  availabilityTemplates: Map<string, CompiledTemplate>;
  availability: Map<string, boolean>;
  /** Set once the registry rows are written. */
  entityId?: string;
  active: boolean;
  listeners: Array<{ topic: string; handler: MqttHandler }>;
}

/** Several entities may share a topic (Zigbee2MQTT: one JSON topic per device): one transport subscription per topic. */
class TopicRouter {
  private readonly topics = new Map<string, { handlers: Set<MqttHandler>; subscribed: Promise<(() => Promise<void>) | undefined> }>();

  constructor(
    private readonly mqtt: MqttTransport,
    private readonly log: Logger,
  ) {}

  add(topic: string, handler: MqttHandler): void {
    const existing = this.topics.get(topic);
    if (existing) {
      existing.handlers.add(handler);
      return;
    }
    const handlers = new Set<MqttHandler>([handler]);
    const dispatch: MqttHandler = (message) => {
      for (const h of [...handlers]) h(message);
    };
    const subscribed = this.mqtt.subscribe(topic, dispatch).catch((error: Error) => {
      this.log.error({ err: error, topic }, `subscribing to ${topic} failed: ${error.message}`);
      return undefined;
    });
    this.topics.set(topic, { handlers, subscribed });
  }

  remove(topic: string, handler: MqttHandler): Promise<void> {
    const entry = this.topics.get(topic);
    if (!entry) return Promise.resolve();
    entry.handlers.delete(handler);
    if (entry.handlers.size > 0) return Promise.resolve();
    this.topics.delete(topic);
    return entry.subscribed.then((unsubscribe) => unsubscribe?.());
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  async clear(): Promise<void> {
    const entries = [...this.topics.values()];
    this.topics.clear();
    await Promise.all(entries.map((e) => e.subscribed.then((unsubscribe) => unsubscribe?.())));
  }
}

/**
 * Home Assistant MQTT discovery (docs/ha-discovery.md): ESPHome, Tasmota,
 * Zigbee2MQTT and the many firmwares that announce themselves on
 * `<prefix>/<component>/[<node_id>/]<object_id>/config` (or device-based on
 * `<prefix>/device/<object_id>/config`) become Hearth devices and entities,
 * whose states follow their state topics.
 */
export class HaDiscovery {
  readonly prefix: string;
  private readonly rejections: Rejections;
  private readonly router: TopicRouter;
  private readonly bindings = new Map<string, Binding>();
  private readonly queue = new KeyedQueue((error, topic) => this.failed(topic, error));
  private readonly warnedTemplates = new Set<string>();
  private unsubscribeConfig?: () => Promise<void>;

  constructor(private readonly deps: HaDiscoveryDeps) {
    this.prefix = (deps.prefix ?? 'homeassistant').replace(/\/+$/, '');
    this.rejections = new Rejections(deps.log, deps.metrics);
    this.router = new TopicRouter(deps.mqtt, deps.log);
  }

  async start(): Promise<void> {
    this.unsubscribeConfig = await this.deps.mqtt.subscribe(`${this.prefix}/#`, (m) => this.receiveConfig(m));
    // Home Assistant's birth message: ESPHome, Tasmota and Zigbee2MQTT send their discovery again when they see it,
    // which matters because the hub's in-process subscription never receives retained messages.
    await this.deps.mqtt.publish(`${this.prefix}/status`, 'online');
    this.deps.approvals?.onApproved(HA_DISCOVERY_PLUGIN, (topic, payload) => this.receiveConfig({ topic, payload, qos: 0, retain: false }));
  }

  async stop(): Promise<void> {
    await this.unsubscribeConfig?.();
    this.unsubscribeConfig = undefined;
    for (const binding of this.bindings.values()) binding.active = false;
    this.bindings.clear();
    await this.router.clear();
    await this.queue.drain();
  }

  /** What discovery says about an entity (its command topic and payloads, for commands later). */
  discovered(entityId: string): ComponentConfig | undefined {
    for (const binding of this.bindings.values()) if (binding.entityId === entityId) return binding.config;
    return undefined;
  }

  private receiveConfig(message: MqttMessage): void {
    let topic;
    try {
      topic = parseDiscoveryTopic(this.prefix, message.topic);
    } catch (error) {
      this.failed(message.topic, error);
      return;
    }
    if (!topic) return;
    this.deps.metrics.mqttMessages('ha_discovery').value++;
    if (message.payload.length === 0) {
      this.removeDiscovery(message.topic, () => true);
      return;
    }
    let parsed;
    try {
      parsed = parseDiscoveryPayload(message.topic, topic, message.payload);
    } catch (error) {
      this.failed(message.topic, error);
      return;
    }
    for (const error of parsed.errors) this.failed(message.topic, error);
    // A device-based payload lists all its components: the ones no longer listed are gone.
    const kept = new Set(parsed.components.map((c) => c.discoveryId));
    this.removeDiscovery(message.topic, (id) => !kept.has(id) && !parsed.errors.some((e) => id === `${message.topic}#${e.field}`));
    const held = this.heldDevices(message, parsed.components);
    for (const config of parsed.components) {
      if (!config.device || !held.has(deviceIdFor(config.device) ?? '')) this.discover(message.topic, config);
    }
  }

  /** Devices of this config message that wait for approval (the message is kept to be replayed then). */
  private heldDevices(message: MqttMessage, components: ComponentConfig[]): Set<string> {
    const held = new Set<string>();
    const { approvals } = this.deps;
    if (!approvals) return held;
    const seen = new Set<string>();
    for (const { device } of components) {
      const deviceId = device && deviceIdFor(device);
      if (!deviceId || seen.has(deviceId)) continue;
      seen.add(deviceId);
      const arrival = { deviceId, source: HA_DISCOVERY_PLUGIN, topic: message.topic, payload: message.payload, name: device.name, model: device.model, manufacturer: device.manufacturer };
      if (!approvals.admitNow(arrival)) held.add(deviceId);
    }
    return held;
  }

  private discover(configTopic: string, config: ComponentConfig): void {
    const { log } = this.deps;
    if (!SUPPORTED_COMPONENTS.has(config.component)) {
      this.unbind(config.discoveryId);
      log.debug({ topic: configTopic }, `ignoring ${config.component} "${config.key}" from ${configTopic}: not a component Hearth supports yet`);
      return;
    }
    let deviceId: string | null = null;
    if (config.device) {
      const id = deviceIdFor(config.device);
      if (!id) {
        this.failed(configTopic, new PayloadError('invalid_payload', 'device needs identifiers (ids) or connections (cns)', 'device'));
        return;
      }
      deviceId = id;
    }
    const availabilityTemplates = new Map<string, CompiledTemplate>();
    for (const source of config.availability) {
      if (source.template) availabilityTemplates.set(source.topic, compileTemplate(source.template));
    }
    const binding: Binding = {
      config,
      deviceId,
      orderKey: deviceId ?? config.discoveryId,
      reader: valueReader(config),
      availabilityTemplates,
      availability: new Map(),
      active: true,
      listeners: [],
    };
    // Subscribe before the registry is written, so a state sent right behind the config is not lost:
    // it waits in the device's queue until the entity exists.
    const stateTopic = config.stateTopic as string;
    binding.listeners.push({ topic: stateTopic, handler: (m) => this.receiveState(binding, m) });
    for (const source of config.availability) {
      binding.listeners.push({ topic: source.topic, handler: (m) => this.receiveAvailability(binding, m) });
    }
    for (const { topic, handler } of binding.listeners) this.router.add(topic, handler);
    const previous = this.bindings.get(config.discoveryId);
    this.bindings.set(config.discoveryId, binding);
    if (previous) {
      binding.entityId = previous.entityId;
      this.release(previous);
    }
    void this.queue.run(binding.orderKey, configTopic, () => this.register(configTopic, binding));
  }

  private async register(configTopic: string, binding: Binding): Promise<void> {
    const { devices, entities, log } = this.deps;
    const { config, deviceId } = binding;
    try {
      if (config.device && deviceId) {
        const identifiers: Record<string, string> = Object.fromEntries(config.device.connections);
        if (config.device.identifiers[0] !== undefined) identifiers.ha = config.device.identifiers[0];
        const input: DeviceInput = {
          id: deviceId,
          name: config.device.name,
          manufacturer: config.device.manufacturer,
          model: config.device.model,
          sw_version: config.device.sw_version,
          identifiers,
        };
        const via = config.device.via_device ? deviceIdFor({ identifiers: [config.device.via_device], connections: [] }) : undefined;
        if (via) input.via_device_id = via;
        const { created } = await devices.upsert(HA_DISCOVERY_PLUGIN, input);
        if (created) log.info({ device: deviceId }, `device ${deviceId} discovered on ${configTopic}`);
      }
      let result;
      try {
        result = await entities.upsert(HA_DISCOVERY_PLUGIN, {
          unique_id: config.uniqueId,
          device_id: deviceId,
          key: config.key,
          kind: config.component,
          name: config.name ?? config.key,
          unit: config.component === 'sensor' || config.component === 'number' ? (config.unit ?? null) : null,
          device_class: config.deviceClass ?? null,
          state_class: config.component === 'sensor' ? (config.stateClass ?? null) : null,
        });
      } catch (error) {
        if (error instanceof Error && !(error instanceof PayloadError)) throw new PayloadError('invalid_payload', error.message, config.key);
        throw error;
      }
      if (!binding.active) return;
      binding.entityId = result.entity.entity_id;
      const line = `${result.entity.entity_id} discovered on ${configTopic}`;
      if (result.created) log.info({ entity: result.entity.entity_id }, line);
      else log.debug({ entity: result.entity.entity_id }, line);
      const unsupported = binding.reader.unsupported;
      const warning = unsupported && `${config.uniqueId}\u0000${unsupported.source}`;
      if (unsupported && warning && !this.warnedTemplates.has(warning)) {
        this.warnedTemplates.add(warning);
        log.warn(
          { topic: configTopic, entity: result.entity.entity_id },
          `${result.entity.entity_id}: value template ${JSON.stringify(unsupported.source)} is not supported (${unsupported.reason}); the entity gets no state`,
        );
      }
    } catch (error) {
      // Not followed when it cannot be registered.
      if (this.bindings.get(config.discoveryId) === binding) this.unbind(config.discoveryId);
      throw error;
    }
  }

  private receiveState(binding: Binding, message: MqttMessage): void {
    this.deps.metrics.mqttMessages('ha_state').value++;
    void this.queue.run(binding.orderKey, message.topic, () => this.applyState(binding, message));
  }

  private applyState(binding: Binding, message: MqttMessage): void | Promise<void> {
    const entityId = binding.entityId;
    if (!binding.active || !entityId || message.payload.length === 0) return;
    const value = binding.reader.read(message.payload);
    if (value === undefined) return;
    const { config } = binding;
    const attributes = config.commandTopic
      ? { command_topic: config.commandTopic, payload_on: config.payloadOn, payload_off: config.payloadOff }
      : undefined;
    const now = Date.now();
    this.deps.states.set(entityId, value, attributes ? { attributes, ts: now } : { ts: now });
    const { deviceId } = binding;
    if (!deviceId) return;
    this.deps.devices.touch(deviceId, now);
    // Without availability topics, a state is the only sign of life.
    if (config.availability.length === 0 && this.deps.devices.get(deviceId)?.online !== true) {
      return this.deps.devices.setOnline(deviceId, true, now);
    }
  }

  private receiveAvailability(binding: Binding, message: MqttMessage): void {
    this.deps.metrics.mqttMessages('ha_availability').value++;
    void this.queue.run(binding.orderKey, message.topic, () => this.applyAvailability(binding, message));
  }

  private applyAvailability(binding: Binding, message: MqttMessage): void | Promise<void> {
    const { deviceId, config } = binding;
    if (!binding.active || !deviceId || !binding.entityId || message.payload.length === 0) return;
    const source = config.availability.find((s) => s.topic === message.topic);
    if (!source) return;
    let text = message.payload.toString('utf8');
    const template = binding.availabilityTemplates.get(message.topic);
    if (template?.supported) {
      const rendered = template.render(text);
      if (rendered === MISSING) return;
      text = stringify(rendered);
    }
    if (text === source.payloadAvailable) binding.availability.set(message.topic, true);
    else if (text === source.payloadNotAvailable) binding.availability.set(message.topic, false);
    else return;
    const values = config.availability.map((s) => binding.availability.get(s.topic));
    const online =
      config.availabilityMode === 'all'
        ? values.every((v) => v === true)
        : config.availabilityMode === 'any'
          ? values.some((v) => v === true)
          : binding.availability.get(message.topic) === true;
    if (this.deps.devices.get(deviceId)?.online === online) return;
    this.deps.log.info({ device: deviceId }, `device ${deviceId} is ${online ? 'online' : 'offline'}`);
    return this.deps.devices.setOnline(deviceId, online);
  }

  /** Stops following the components of `configTopic` that `which` selects; their registry rows and history stay. */
  private removeDiscovery(configTopic: string, which: (discoveryId: string) => boolean): void {
    for (const [id, binding] of [...this.bindings]) {
      if (id !== configTopic && !id.startsWith(`${configTopic}#`)) continue;
      if (!which(id)) continue;
      this.unbind(id);
      this.deps.log.info(
        { topic: configTopic, entity: binding.entityId },
        `${binding.entityId ?? binding.config.key} removed from discovery on ${configTopic} (registry and history kept)`,
      );
    }
  }

  private unbind(discoveryId: string): void {
    const binding = this.bindings.get(discoveryId);
    if (!binding) return;
    this.bindings.delete(discoveryId);
    this.release(binding);
  }

  private release(binding: Binding): void {
    binding.active = false;
    for (const { topic, handler } of binding.listeners.splice(0)) {
      void this.router.remove(topic, handler).catch((error: Error) => {
        this.deps.log.error({ err: error, topic }, `unsubscribing from ${topic} failed: ${error.message}`);
      });
    }
  }


  private failed(topic: string, error: unknown): void {
    if (error instanceof PayloadError) return this.rejections.reject(topic, error.reason, error.message, error.field);
    if (error instanceof DeviceOwnershipError) return this.rejections.reject(topic, 'device_conflict', error.message);
    this.deps.log.error({ err: error, topic }, `failed to apply MQTT message on ${topic}: ${(error as Error).message}`);
  }
}
