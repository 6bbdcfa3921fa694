import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

const HOUR = 3_600_000;

describe('GET /api/history', () => {
  let hub: TestHub;
  let device: MqttClient;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  /** Three hours of a reading every 10 s: value = minutes since t0. */
  async function threeHours(): Promise<number> {
    hub = await startHub();
    device = await connectDevice(hub.mqttUrl, 'probe');
    await announce(device, 'probe', [{ key: 'temp', kind: 'sensor', unit: '°C' }]);
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    const records = Array.from({ length: 1080 }, (_, i) => ({ ts: t0 + i * 10_000, temp: (i * 10_000) / 60_000 }));
    for (let i = 0; i < records.length; i += 500) {
      await device.publishAsync('hearth/probe/telemetry', JSON.stringify(records.slice(i, i + 500)), { qos: 1 });
    }
    await eventually(async () => (await hub.get('/api/states/sensor.probe_temp')).body.state === (1079 * 10_000) / 60_000);
    return t0;
  }

  it('returns at most `points` min/mean/max buckets over a range, from rollups', async () => {
    const t0 = await threeHours();
    const { body } = await hub.get(`/api/history/sensor.probe_temp?from=${t0}&to=${t0 + 3 * HOUR - 1}&points=50`);
    // 3 h / 49 gaps = 220 s, rounded up to whole minutes: 4-minute buckets from the 1-minute rollups.
    expect(body).toMatchObject({ resolution: '1m', step_ms: 240_000 });
    expect(body.points).toHaveLength(45);
    // First bucket: readings 0..23, values i/6.
    expect(body.points[0]).toEqual({ ts: new Date(t0).toISOString(), min: 0, mean: expect.closeTo(46 / 24, 9), max: 23 / 6, last: 23 / 6, count: 24 });
    expect(body.points.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(1080);

    const hourly = await hub.get(`/api/history/sensor.probe_temp?from=${t0}&to=${t0 + 3 * HOUR - 1}&step=1h`);
    expect(hourly.body).toMatchObject({ resolution: '1h', step_ms: HOUR });
    expect(hourly.body.points.map((p: { min: number; max: number; count: number }) => [p.min, p.max, p.count])).toEqual([
      [0, 59.833333333333336, 360],
      [60, 119.83333333333333, 360],
      [120, 179.83333333333334, 360],
    ]);
  });

  it('returns raw readings when they fit, and exports CSV', async () => {
    const t0 = await threeHours();
    const raw = await hub.get(`/api/history/sensor.probe_temp?from=${t0}&to=${t0 + 99_000}`);
    expect(raw.body).toMatchObject({ resolution: 'raw', step_ms: null });
    expect(raw.body.points).toHaveLength(10);
    expect(raw.body.points[1]).toEqual({ ts: new Date(t0 + 10_000).toISOString(), value: 10_000 / 60_000 });

    const response = await fetch(`${hub.api}/api/history/sensor.probe_temp?from=${t0}&to=${t0 + 20_000}&format=csv`);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="sensor\.probe_temp_.*\.csv"$/);
    expect(await response.text()).toBe(
      `ts,value\n${new Date(t0).toISOString()},0\n${new Date(t0 + 10_000).toISOString()},${10_000 / 60_000}\n${new Date(t0 + 20_000).toISOString()},${20_000 / 60_000}\n`,
    );
  });

  it('explains a bad step, points or format', async () => {
    await threeHours();
    const ask = async (query: string) => (await hub.get(`/api/history/sensor.probe_temp?${query}`)).body.error?.message;
    expect(await ask('step=5x')).toBe('step: expected a duration such as 30s, 5m, 1h or 1d, got "5x"');
    expect(await ask('step=1s&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z')).toBe(
      'step: 1s over this range gives more than 10000 buckets; widen the step or narrow the range',
    );
    const details = async (query: string) => (await hub.get(`/api/history/sensor.probe_temp?${query}`)).body.error?.details;
    expect(await details('points=1')).toEqual([{ in: 'query', path: '/points', message: 'must be >= 2' }]);
    expect(await details('format=xml')).toEqual([{ in: 'query', path: '/format', message: expect.stringMatching(/json.*csv/) }]);
  });
});
