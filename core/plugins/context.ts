import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { CommandRouter } from '../commands/router.ts';
import { commandValue } from '../commands/command-values.ts';
import type { EventBus } from '../events/bus.ts';
import { NATIVE_PLUGIN } from '../mqtt/native-protocol.ts';
import type { AnnounceDefaults } from '../mqtt/announce-defaults.ts';
import type { TopicClaims } from '../mqtt/topic-claims.ts';
import type { MqttTransport } from '../mqtt/transport.ts';
import type { PluginContext } from '../plugin-api.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { StateMachine } from '../states/state-machine.ts';
import type { EventLog } from '../store/event-log.ts';

export interface ContextDeps {
  bus: EventBus;
  devices: DeviceRegistry;
  entities: EntityRegistry;
  states: StateMachine;
  events: EventLog;
  mqtt: MqttTransport;
  topicClaims: TopicClaims;
  announceDefaults: AnnounceDefaults;
  commands: CommandRouter;
  log: Logger;
  dataDir: string;
  hub: { name: string; version: string; timeZone: string };
}

export interface PluginScope {
  ctx: PluginContext;
  /** Undoes every subscription, timer and route the plugin made through ctx. */
  release(): Promise<void>;
}

/** Reported for a throw in one of the plugin's handlers (MQTT, schedule, HTTP route). */
export type HandlerErrorSink = (source: string, error: unknown) => void;

/**
 * Builds the one object a plugin gets. Every handle in it is bound to the
 * plugin: its handlers are guarded (a throw is reported against the plugin,
 * never escapes into the hub), and `release()` takes back everything it made.
 */
export function createPluginScope(id: string, config: object, deps: ContextDeps, onError: HandlerErrorSink): PluginScope {
  const log = deps.log.child({ plugin: id });
  const bus = deps.bus.scoped(id);
  const mqttSubscriptions = new Set<() => Promise<void>>();
  const jobs = new Set<{ stop(): void }>();
  /** What the plugin registered with the hub (topic claims, announce defaults, its command handler). */
  const registrations = new Set<() => void>();
  const register = (release: () => void) => {
    registrations.add(release);
    return () => {
      registrations.delete(release);
      release();
    };
  };
  const http = new Hono();
  http.onError((error, c) => {
    onError(`http ${c.req.method} ${c.req.path}`, error);
    return c.json({ error: { code: 'plugin_error', message: `plugin ${id} failed to answer` } }, 500);
  });
  const guard =
    (source: string, task: () => void | Promise<void>) =>
    async (): Promise<void> => {
      try {
        await task();
      } catch (error) {
        onError(source, error);
      }
    };
  const ownEntity = (entityId: string) => {
    const entity = deps.entities.get(entityId);
    if (!entity) throw new Error(`unknown entity "${entityId}"`);
    if (entity.plugin !== id) throw new Error(`entity "${entityId}" belongs to "${entity.plugin}", not to plugin "${id}"`);
  };
  const keep = (job: { stop(): void }) => {
    jobs.add(job);
    return () => {
      job.stop();
      jobs.delete(job);
    };
  };

  const dataDir = join(deps.dataDir, 'plugins', id);
  mkdirSync(dataDir, { recursive: true });

  const ctx: PluginContext = {
    id,
    log,
    config: config as Record<string, unknown>,
    dataDir,
    hub: deps.hub,
    bus: { on: (event, listener) => bus.on(event, listener), emit: (event, payload) => bus.emit(event, payload) },
    devices: {
      get: (deviceId) => deps.devices.get(deviceId),
      list: () => deps.devices.list(),
      upsert: async (input) => (await deps.devices.upsert(id, input)).device,
      setOnline: async (deviceId, online) => {
        const device = deps.devices.get(deviceId);
        if (device && device.plugin !== id) throw new Error(`device "${deviceId}" belongs to "${device.plugin}"`);
        await deps.devices.setOnline(deviceId, online);
      },
    },
    entities: {
      get: (entityId) => deps.entities.get(entityId),
      list: () => deps.entities.list(),
      upsert: async (input) => {
        if (input.device_id !== null) {
          const device = deps.devices.get(input.device_id);
          if (!device) throw new Error(`no device "${input.device_id}": create it with ctx.devices.upsert first`);
          // Devices speaking the hub's own protocol belong to no integration, so a plugin that
          // understands their model may add entities of its own to them (a Pico's motion sensor).
          if (device.plugin !== id && device.plugin !== NATIVE_PLUGIN) {
            throw new Error(`device "${input.device_id}" belongs to "${device.plugin}", not to plugin "${id}"`);
          }
        }
        return (await deps.entities.upsert(id, input)).entity;
      },
    },
    states: {
      get: (entityId) => deps.states.get(entityId),
      all: () => deps.states.all(),
      set: (entityId, value, options) => {
        ownEntity(entityId);
        return deps.states.set(entityId, value, options);
      },
    },
    events: {
      record: (event) => deps.events.record(event),
    },
    mqtt: {
      subscribe: async (filter, handler) => {
        const guarded = (message: Parameters<typeof handler>[0]) => guard(`mqtt ${filter}`, () => handler(message))();
        const unsubscribe = await deps.mqtt.subscribe(filter, guarded);
        mqttSubscriptions.add(unsubscribe);
        return () => {
          mqttSubscriptions.delete(unsubscribe);
          void unsubscribe();
        };
      },
      publish: (topic, payload, options) => deps.mqtt.publish(topic, payload, options),
      announceDefaults: (model, defaults) => register(deps.announceDefaults.add(model, defaults)),
      claimDeviceTopics: (deviceId, filters) => register(deps.topicClaims.claim(deviceId, filters, id)),
    },
    http,
    commands: {
      handle: (handler) =>
        // The value is checked against the entity's kind before the plugin sees it, as for every device.
        register(
          deps.commands.register(id, async ({ entity, value }) => {
            const outcome = await handler({ entity, value: commandValue(entity, value) });
            return { id: `${id}-${Date.now().toString(36)}`, ...outcome };
          }),
        ),
    },
    schedule: {
      after: (ms, task) => {
        const run = guard(`after ${ms} ms`, task);
        // A timer that has fired is done: it leaves the plugin's jobs then, not only when cancelled.
        const timer = setTimeout(() => {
          cancel();
          void run();
        }, ms);
        const cancel = keep({ stop: () => clearTimeout(timer) });
        return cancel;
      },
      cron: (expression, task) => keep(new Cron(expression, guard(`cron ${expression}`, task))),
      every: (ms, task) => {
        if (!(ms >= 10)) throw new Error(`schedule.every: interval must be at least 10 ms, got ${ms}`);
        const timer = setInterval(guard(`every ${ms} ms`, task), ms);
        return keep({ stop: () => clearInterval(timer) });
      },
    },
  };

  return {
    ctx,
    async release() {
      bus.release();
      for (const job of [...jobs]) job.stop();
      jobs.clear();
      await Promise.all([...mqttSubscriptions].map((unsubscribe) => unsubscribe()));
      mqttSubscriptions.clear();
      for (const release of registrations) release();
      registrations.clear();
    },
  };
}
