import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

const ENERGY = [{ key: 'energy', kind: 'sensor', unit: 'kWh', device_class: 'energy', state_class: 'total_increasing' }];

// Europe/Berlin is UTC+1 in November: local days start at 23:00Z the day before.
const CONFIG = `
timezone: Europe/Berlin
devices:
  meter-kitchen: { room: Kitchen }
  meter-garage: { room: Garage }
`;

describe('consumption statistics', () => {
  let hub: TestHub;
  const devices: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.endAsync(true)));
    await hub?.stop();
  });

  async function meter(id: string, readings: Array<[string, number]>) {
    const device = await connectDevice(hub.mqttUrl, id);
    devices.push(device);
    await announce(device, id, ENERGY);
    const records = readings.map(([ts, energy]) => ({ ts, energy }));
    await device.publishAsync(`hearth/${id}/telemetry`, JSON.stringify(records), { qos: 1 });
  }

  it('answers daily consumption by room in local days, across a meter reset', async () => {
    hub = await startHub({ yaml: CONFIG });
    await meter('meter-kitchen', [
      ['2026-11-19T22:30:00Z', 100], // local 19th, before the range
      ['2026-11-19T23:30:00Z', 101.5], // local 20th 00:30: +1.5
      ['2026-11-20T10:00:00Z', 103], // +1.5
      ['2026-11-20T23:10:00Z', 104], // local 21st 00:10: +1
      ['2026-11-21T05:00:00Z', 0.5], // reset: +0.5
      ['2026-11-21T06:00:00Z', 2], // +1.5
    ]);
    await meter('meter-garage', [
      ['2026-11-20T08:00:00Z', 50],
      ['2026-11-20T09:00:00Z', 52.25], // +2.25
      ['2026-11-21T12:00:00Z', 53], // +0.75
    ]);
    await eventually(async () => (await hub.get('/api/states/sensor.meter_garage_energy')).body.state === 53);

    const range = 'from=2026-11-19T23:00:00Z&to=2026-11-21T22:59:59Z';
    const { body } = await hub.get(`/api/statistics/consumption?period=day&group=room&${range}`);
    expect(body).toMatchObject({ period: 'day', group: 'room', time_zone: 'Europe/Berlin' });
    const byName = Object.fromEntries(body.groups.map((g: { name: string }) => [g.name, g]));
    expect(byName.Kitchen).toEqual({
      key: 'kitchen',
      name: 'Kitchen',
      unit: 'kWh',
      entities: ['sensor.meter_kitchen_energy'],
      total: 6,
      buckets: [
        { ts: '2026-11-19T23:00:00.000Z', value: 3 },
        { ts: '2026-11-20T23:00:00.000Z', value: 3 },
      ],
    });
    expect(byName.Garage).toMatchObject({ key: 'garage', total: 3, buckets: [{ ts: '2026-11-19T23:00:00.000Z', value: 2.25 }, { ts: '2026-11-20T23:00:00.000Z', value: 0.75 }] });

    const month = await hub.get(`/api/statistics/consumption?period=month&group=entity&${range}`);
    expect(month.body.groups.map((g: { key: string; buckets: unknown[] }) => [g.key, g.buckets])).toEqual([
      ['sensor.meter_garage_energy', [{ ts: '2026-10-31T23:00:00.000Z', value: 3 }]],
      ['sensor.meter_kitchen_energy', [{ ts: '2026-10-31T23:00:00.000Z', value: 6 }]],
    ]);
    const hourly = await hub.get(`/api/statistics/consumption?period=hour&group=device&${range}`);
    const kitchenHours = hourly.body.groups.find((g: { key: string }) => g.key === 'meter-kitchen').buckets;
    expect(kitchenHours.map((b: { ts: string }) => b.ts)).toEqual([
      '2026-11-19T23:00:00.000Z',
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T23:00:00.000Z',
      '2026-11-21T05:00:00.000Z',
      '2026-11-21T06:00:00.000Z',
    ]);

    const rooms = await hub.get('/api/rooms');
    expect(rooms.body.items.map((r: { id: string; devices: string[] }) => [r.id, r.devices])).toEqual([
      ['garage', ['meter-garage']],
      ['kitchen', ['meter-kitchen']],
    ]);
    const bad = await hub.get('/api/statistics/consumption?period=week');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ in: 'query', path: '/period', message: 'must be one of: "hour", "day", "month"' }]);
  });
});
