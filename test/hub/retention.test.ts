import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('retention', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('purges raw readings and old events by the config, keeping hourly rollups for long ranges', async () => {
    hub = await startHub({ timing: { firstPurgeMs: 3_600_000 } });
    const device = await connectDevice(hub.mqttUrl, 'cellar');
    await announce(device, 'cellar', [
      { key: 'temp', kind: 'sensor', unit: '°C' },
      { key: 'pir', kind: 'binary_sensor', device_class: 'motion' },
    ]);
    const old = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR;
    const recent = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
    const series = (start: number) => Array.from({ length: 10 }, (_, i) => ({ ts: start + i * 60_000, temp: 10 + i }));
    await device.publishAsync('hearth/cellar/telemetry', JSON.stringify([{ ts: Date.now() - 400 * DAY, pir: true }, ...series(old), ...series(recent)]), { qos: 1 });
    await device.endAsync();
    await eventually(async () => (await hub.get('/api/states/sensor.cellar_temp')).body.state === 19);
    const rawOld = () => hub.get(`/api/history/sensor.cellar_temp?from=${old}&to=${old + 10 * 60_000}&points=10000`);
    expect((await rawOld()).body.points).toHaveLength(10);
    expect((await hub.get(`/api/events?type=motion_started&from=0`)).body.items).toHaveLength(1);

    await hub.stop();
    hub = await startHub({ dir: hub.dir, yaml: 'storage: { retention: { raw_days: 1 } }', timing: { firstPurgeMs: 10 } });
    // 10 old temperatures and the 400-day-old motion reading; its minute rollup is past 90 days too.
    await eventually(() => hub.logs.find((l) => l.msg.startsWith('retention: deleted 11 readings, 1 1-minute and 0 1-hour rollups, 1 events')));
    // The raw readings are gone: the same question is answered from the 1-minute rollups.
    const afterPurge = (await rawOld()).body;
    expect(afterPurge.resolution).toBe('1m');
    expect(afterPurge.points.map((p: { min: number; count: number }) => [p.min, p.count])).toEqual(series(0).map((r) => [r.temp, 1]));
    const recentRaw = await hub.get(`/api/history/sensor.cellar_temp?from=${recent}&to=${recent + 10 * 60_000}&points=10000`);
    expect(recentRaw.body.points).toHaveLength(10);
    const hourly = await hub.get(`/api/history/sensor.cellar_temp?from=${old}&to=${old + HOUR - 1}&step=1h`);
    expect(hourly.body).toMatchObject({ resolution: '1h', points: [{ ts: new Date(old).toISOString(), min: 10, max: 19, count: 10 }] });
    expect((await hub.get(`/api/events?type=motion_started&from=0`)).body.items).toEqual([]);
  });
});
