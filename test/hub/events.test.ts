import { resolve } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';

describe('the event log', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  it('records motion, doors and availability at the time the device measured them', async () => {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'hall');
    await announce(device, 'hall', [
      { key: 'pir', kind: 'binary_sensor', device_class: 'motion' },
      { key: 'door', kind: 'binary_sensor', device_class: 'door' },
      { key: 'lux', kind: 'sensor', unit: 'lx' },
    ]);
    const t0 = Date.UTC(2026, 10, 23, 3, 12, 7, 250);
    const send = (payload: object) => device!.publishAsync('hearth/hall/telemetry', JSON.stringify(payload), { qos: 1 });
    await send({ ts: t0, pir: true, door: false, lux: 3 });
    await send({ ts: t0 + 4000, pir: false, lux: 4 });
    await send({ ts: t0 + 9000, door: 'on' });
    await send({ ts: t0 + 9500, door: 'on' }); // no change, no event
    await device.publishAsync('hearth/hall/status', 'offline', { qos: 1 });

    const all = await eventually(async () => {
      const { items } = (await hub.get(`/api/events?from=${t0 - 1000}&device=hall`)).body;
      return items.some((e: { type: string }) => e.type === 'device_offline') ? items : undefined;
    });
    // Newest first; the device's own timestamps for state transitions.
    const transitions = all.filter((e: { type: string }) => !e.type.startsWith('device_'));
    expect(transitions.map((e: { type: string; ts: string; entity_id: string }) => [e.type, e.ts, e.entity_id])).toEqual([
      ['opened', new Date(t0 + 9000).toISOString(), 'binary_sensor.hall_door'],
      ['motion_ended', new Date(t0 + 4000).toISOString(), 'binary_sensor.hall_pir'],
      ['motion_started', new Date(t0).toISOString(), 'binary_sensor.hall_pir'],
    ]);
    expect(all[0]).toMatchObject({ type: 'device_offline', device_id: 'hall', entity_id: null, data: {} });

    const { body: motion } = await hub.get(`/api/events?type=motion_started&from=${t0 - 1000}&to=${t0 + 1000}`);
    expect(motion.items).toHaveLength(1);
    expect((await hub.get(`/api/events?type=motion_started&from=${t0 + 1}`)).body.items).toEqual([]);
    expect((await hub.get(`/api/events?device=elsewhere&from=${t0 - 1000}`)).body.items).toEqual([]);

    hub = await hub.restart();
    expect((await hub.get(`/api/events?type=opened&from=${t0}`)).body.items).toHaveLength(1);
  });

  it('takes events from plugins and answers bad queries with 400', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'plugins/alarm/index.ts': `
        import { definePlugin } from '${resolve('core/plugin-api.ts')}';
        export default definePlugin({ id: 'alarm', version: '1.0.0', hub: '^1.0.0', configSchema: { type: 'object' },
          setup(ctx) {
            ctx.events.record({ type: 'alarm.armed', data: { by: 'schedule' } });
            ctx.http.post('/bad', (c) => { ctx.events.record({ type: 'Bad Type' }); return c.text('no'); });
          } });`,
    });
    hub = await startHub({ dir, yaml: 'plugins: { alarm: {} }' });
    const { body } = await hub.get('/api/events?type=alarm.armed');
    expect(body.items).toEqual([{ id: 1, ts: expect.any(String), type: 'alarm.armed', device_id: null, entity_id: null, data: { by: 'schedule' } }]);
    const bad = await fetch(`${hub.api}/api/plugins/alarm/bad`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(hub.logs.some((l) => l.msg.includes('invalid event type "Bad Type"'))).toBe(true);
    expect((await hub.get('/api/events?limit=0')).body.error.details).toEqual([{ in: 'query', path: '/limit', message: 'must be >= 1' }]);
  });
});
