/**
 * The whole public surface a plugin sees. A plugin imports types and helpers
 * from here only, never from other core modules, and reaches the hub only
 * through the `ctx` given to its `setup`.
 */
import type { Hono } from 'hono';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Logger } from 'pino';
import type { Listener, Unsubscribe } from './events/bus.ts';
import type { HubEvents } from './events/hub-events.ts';
import type { EntityDefaults } from './mqtt/announce-defaults.ts';
import type { MqttHandler, PublishOptions } from './mqtt/transport.ts';
import type { Device, DeviceInput } from './registry/devices.ts';
import type { Entity, EntityInput } from './registry/entities.ts';
import type { SetResult, SetStateOptions } from './states/state-machine.ts';
import type { State, StateValue } from './states/state.ts';
import type { NewEvent } from './store/event-log.ts';

export { parseTimestamp } from './mqtt/native-payloads.ts';
export { RejectionLog } from './mqtt/rejection-log.ts';
export { NotReadyError, PluginConfigError } from './plugins/errors.ts';
export { describeInstant, isTimeZone, localParts, localToEpoch } from './zoned-time.ts';
export type { Device, DeviceInput, Entity, EntityDefaults, EntityInput, HubEvents, Logger, NewEvent, State, StateValue, Unsubscribe };

/** The hub API version plugins declare a range against (semver). */
export const HUB_API_VERSION = '1.0.0';

export type PluginStop = () => void | Promise<void>;

/** What a plugin's command handler answers: done (with the value now in effect) or refused with the reason. */
export interface PluginCommandOutcome {
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface PluginContext<Config = Record<string, unknown>> {
  /** The plugin's id, as written under `plugins:` in the config. */
  readonly id: string;
  /** Log lines carry `plugin: <id>`. */
  readonly log: Logger;
  /** The plugin's config, validated against its schema, defaults filled. */
  readonly config: Config;
  /** A folder of the plugin's own under the data dir, created on first use. */
  readonly dataDir: string;
  /** The hub's name, version and time zone (IANA, from `timezone:` in the config, else the system's). */
  readonly hub: { readonly name: string; readonly version: string; readonly timeZone: string };

  readonly bus: {
    on<K extends keyof HubEvents>(event: K, listener: Listener<HubEvents[K]>): Unsubscribe;
    emit<K extends keyof HubEvents>(event: K, payload: HubEvents[K]): void;
  };
  /** Devices: read any; create and update only the plugin's own. */
  readonly devices: {
    get(id: string): Device | undefined;
    list(): Device[];
    upsert(input: DeviceInput): Promise<Device>;
    setOnline(id: string, online: boolean): Promise<void>;
  };
  /**
   * Entities: read any; create and update only the plugin's own (identity is the plugin + unique_id),
   * on its own devices or on devices speaking the native protocol (owner `mqtt`), e.g. a motion
   * sensor derived from a Pico's distance.
   */
  readonly entities: {
    get(entityId: string): Entity | undefined;
    list(): Entity[];
    upsert(input: EntityInput): Promise<Entity>;
  };
  /** States: read any; set only those of the plugin's own entities. */
  readonly states: {
    get(entityId: string): State | undefined;
    all(): State[];
    set(entityId: string, value: StateValue, options?: SetStateOptions): SetResult;
  };
  /** The event log: happenings worth finding later by time, device and type (an intrusion, an alert sent). */
  readonly events: {
    /** Type: lower-case, e.g. `pico-ultrasonic.intrusion`; `ts` defaults to now. */
    record(event: NewEvent): void;
  };
  readonly mqtt: {
    subscribe(filter: string, handler: MqttHandler): Promise<Unsubscribe>;
    publish(topic: string, payload: string | Buffer, options?: PublishOptions): Promise<void>;
    /**
     * Lets a device's MQTT account (embedded broker) publish and subscribe on its vendor's topics,
     * e.g. `["shellyplus1pm-a8032ab1/#"]`, besides its own `hearth/<id>/…`. Filters under `hearth/`,
     * `$…` or starting with a wildcard are refused. Released with the plugin, or by the returned function.
     */
    claimDeviceTopics(deviceId: string, filters: readonly string[]): Unsubscribe;
    /**
     * For native devices announcing `model`: the name, unit, device_class and state_class of each key,
     * filled in where an announce leaves them out (an older firmware), from the device's next announce on.
     */
    announceDefaults(model: string, defaults: Readonly<Record<string, EntityDefaults>>): Unsubscribe;
  };
  /** Routes served under `/api/plugins/<id>/`. */
  readonly http: Hono;
  /**
   * Commands to the plugin's own entities (`POST /api/entities/<id>/commands`): the value is checked
   * against the entity's kind first (a switch gets true/false, a number a finite number, …); the
   * handler applies it and says how it went. One handler per plugin; released with the plugin.
   */
  readonly commands: {
    handle(handler: (command: { entity: Entity; value: unknown }) => Promise<PluginCommandOutcome>): Unsubscribe;
  };
  readonly schedule: {
    /** Runs once after `ms`; a throw is reported against the plugin. */
    after(ms: number, task: () => void | Promise<void>): Unsubscribe;
    /** Cron expression (croner syntax, seconds optional). */
    cron(expression: string, task: () => void | Promise<void>): Unsubscribe;
    every(ms: number, task: () => void | Promise<void>): Unsubscribe;
  };
}

export interface PluginManifest<Config = Record<string, unknown>> {
  id: string;
  /** The plugin's own version (semver). */
  version: string;
  /** The hub API range the plugin works with, e.g. `^1.0.0`. */
  hub: string;
  description?: string;
  /** JSON Schema of the plugin's config; omit for a plugin that takes none. */
  configSchema?: JSONSchema;
  /** Starts the plugin; returns what stops it. Everything made through `ctx` is released for you. */
  setup(ctx: PluginContext<Config>): PluginStop | void | Promise<PluginStop | void>;
}

/** Declares a plugin with its config type derived from its JSON Schema. */
export function definePlugin<const Schema extends JSONSchema, Config = FromSchema<Schema>>(
  manifest: PluginDefinition<Schema, Config>,
): PluginManifest<Config> {
  return manifest as PluginManifest<Config>;
}

interface PluginDefinition<Schema, Config> {
  id: string;
  version: string;
  hub: string;
  description?: string;
  configSchema: Schema;
  setup(ctx: PluginContext<Config>): PluginStop | void | Promise<PluginStop | void>;
}
