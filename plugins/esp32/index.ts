/**
 * ESP32 sensors (firmware/esp32-sensor). The core registers their announced
 * entities and stores their readings; this plugin adds what follows from
 * them: the acceleration magnitude, a `vibration` binary sensor when it is
 * far from 1 g, and `battery_low`; and it gives an older firmware's bare
 * announce the units and classes the current one sends. See README.md beside this file.
 */
import { definePlugin, type StateValue } from '../../core/plugin-api.ts';
import { magnitude, vibrating } from './derived.ts';
import { ESP32_ENTITIES } from './expected-entities.ts';

/** Owner of devices speaking the hub's own protocol. */
const NATIVE = 'mqtt';
const MODEL = 'esp32-sensor';
const AXES = ['accel_x', 'accel_y', 'accel_z'] as const;
const SOURCES = [...AXES, 'battery'] as const;

interface Esp32 {
  id: string;
  acceleration: string;
  vibration: string;
  batteryLow: string;
  /** a recomputation is queued: the fields of one message come as several state changes */
  due: boolean;
}

export default definePlugin({
  id: 'esp32',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'ESP32 sensors: acceleration magnitude, vibration and low battery',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      vibration_threshold: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 2, description: 'm/s² between |a| and 1 g that count as vibration' },
      battery_low: { type: 'number', minimum: 0, maximum: 100, default: 20, description: 'Battery % below which battery_low turns on' },
    },
  },

  async setup(ctx) {
    const { vibration_threshold, battery_low } = ctx.config;
    const devices = new Map<string, Esp32>();
    const starting = new Set<string>();
    /** entity id of an axis or battery sensor → its device */
    const sourceOf = new Map<string, string>();
    /** device → its axis and battery sensors by key */
    const sources = new Map<string, Map<string, string>>();

    const nativeEntities = (deviceId: string) => ctx.entities.list().filter((e) => e.device_id === deviceId && e.plugin === NATIVE);
    const value = (deviceId: string, key: string) => {
      const entityId = sources.get(deviceId)?.get(key);
      return entityId ? ctx.states.get(entityId) : undefined;
    };

    ctx.mqtt.announceDefaults(MODEL, ESP32_ENTITIES);

    const derive = (esp: Esp32) => {
      const axes = AXES.map((key) => value(esp.id, key));
      if (axes.every((s) => typeof s?.state === 'number')) {
        const ts = Math.max(...axes.map((s) => s!.last_updated));
        const a = magnitude(...(axes.map((s) => s!.state) as [number, number, number]));
        ctx.states.set(esp.acceleration, a, { ts });
        ctx.states.set(esp.vibration, vibrating(a, vibration_threshold), { ts });
      }
      const battery = value(esp.id, 'battery');
      if (isNumber(battery?.state)) ctx.states.set(esp.batteryLow, battery.state < battery_low, { ts: battery.last_updated });
    };

    const consider = async (deviceId: string) => {
      const device = ctx.devices.get(deviceId);
      if (device?.plugin !== NATIVE || device.model !== MODEL) return;
      // Each registration may bring a source sensor (an announce registers them one by one).
      for (const e of nativeEntities(deviceId)) {
        if (!(SOURCES as readonly string[]).includes(e.key)) continue;
        sourceOf.set(e.entity_id, deviceId);
        sources.set(deviceId, (sources.get(deviceId) ?? new Map<string, string>()).set(e.key, e.entity_id));
      }
      if (devices.has(deviceId) || starting.has(deviceId)) return;
      starting.add(deviceId);
      try {
        const upsert = async (key: string, input: { kind: string; name: string; unit?: string; device_class?: string; state_class?: string }) =>
          (await ctx.entities.upsert({ unique_id: `${deviceId}.${key}`, device_id: deviceId, key, ...input })).entity_id;
        const esp: Esp32 = {
          id: deviceId,
          acceleration: await upsert('acceleration', { kind: 'sensor', name: 'Acceleration', unit: 'm/s²', state_class: 'measurement' }),
          vibration: await upsert('vibration', { kind: 'binary_sensor', name: 'Vibration', device_class: 'vibration' }),
          batteryLow: await upsert('battery_low', { kind: 'binary_sensor', name: 'Battery low', device_class: 'battery' }),
          due: false,
        };
        devices.set(deviceId, esp);
        ctx.log.info({ device: deviceId }, `ESP32 ${deviceId}: acceleration, vibration (beyond ${vibration_threshold} m/s² from 1 g) and battery low (under ${battery_low} %)`);
      } catch (error) {
        ctx.log.warn({ device: deviceId }, `ESP32 ${deviceId}: cannot add its derived entities: ${(error as Error).message}`);
      } finally {
        starting.delete(deviceId);
      }
    };

    ctx.bus.on('device_registered', (e) => consider(e.device_id));
    ctx.bus.on('entity_registered', (e) => consider(e.device_id));
    ctx.bus.on('device_removed', (e) => {
      devices.delete(e.device_id);
      sources.delete(e.device_id);
      for (const [entityId, deviceId] of sourceOf) if (deviceId === e.device_id) sourceOf.delete(entityId);
    });
    ctx.bus.on('state_changed', async (e) => {
      const esp = devices.get(sourceOf.get(e.entity_id) ?? '');
      if (!esp || esp.due) return;
      // The core applies a whole message synchronously, so one microtask later all its fields are
      // in: |a| from one reading's three axes, never new x with old y and z.
      esp.due = true;
      await Promise.resolve();
      esp.due = false;
      derive(esp);
    });

    await Promise.all(ctx.devices.list().map((d) => consider(d.id)));
    // Devices known from before have readings already; a new one is derived at its first message.
    for (const esp of devices.values()) derive(esp);
  },
});

function isNumber(value: StateValue | undefined): value is number {
  return typeof value === 'number';
}
