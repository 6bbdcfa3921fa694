/**
 * Example plugin: reports the machine the hub runs on (load, memory, uptime)
 * as sensors. Copy this folder to start your own; see README.md beside it.
 */
import { freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
import { definePlugin } from '../../core/plugin-api.ts';

const readings = [
  { key: 'load_1m', name: 'Load (1 min)', unit: null, read: () => round(loadavg()[0] ?? 0, 2) },
  { key: 'memory_used', name: 'Memory used', unit: '%', read: () => round(100 * (1 - freemem() / totalmem()), 1) },
  { key: 'hub_memory', name: 'Hub memory', unit: 'MiB', read: () => round(process.memoryUsage.rss() / 2 ** 20, 1) },
  { key: 'uptime', name: 'Uptime', unit: 's', read: () => Math.round(uptime()) },
] as const;

export default definePlugin({
  id: 'system-monitor',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Load, memory and uptime of the machine running Hearth',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      interval_seconds: { type: 'integer', minimum: 5, default: 30, description: 'How often to measure' },
      device_id: { type: 'string', pattern: '^[a-z0-9_-]+$', default: 'hub_host', description: 'Id of the device the sensors belong to' },
    },
  },

  async setup(ctx) {
    const { interval_seconds, device_id } = ctx.config;
    await ctx.devices.upsert({ id: device_id, name: `Hub host (${hostname()})`, manufacturer: 'Hearth', model: process.platform });
    const entityIds: Record<string, string> = {};
    for (const r of readings) {
      const entity = await ctx.entities.upsert({
        unique_id: `${device_id}.${r.key}`,
        device_id,
        key: r.key,
        kind: 'sensor',
        name: r.name,
        unit: r.unit,
        state_class: 'measurement',
      });
      entityIds[r.key] = entity.entity_id;
    }
    await ctx.devices.setOnline(device_id, true);

    const measure = () => {
      for (const r of readings) ctx.states.set(entityIds[r.key]!, r.read());
    };
    measure();
    ctx.schedule.every(interval_seconds * 1000, measure);

    // Served at GET /api/plugins/system-monitor/snapshot
    ctx.http.get('/snapshot', (c) => c.json(Object.fromEntries(readings.map((r) => [r.key, r.read()]))));

    ctx.log.info(`reporting ${readings.length} sensors of device ${device_id} every ${interval_seconds} s`);
    // Subscriptions, timers and routes made through ctx are released by the hub;
    // return a function only for what the plugin made itself.
    return async () => {
      await ctx.devices.setOnline(device_id, false);
    };
  },
});

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
