import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('availability by silence', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('marks a connected device offline after offline_after seconds of silence, online again when it speaks', async () => {
    hub = await startHub({ timing: { availabilityCheckMs: 50 } });
    const quiet = await connectDevice(hub.mqttUrl, 'quiet');
    const steady = await connectDevice(hub.mqttUrl, 'steady');
    await announce(quiet, 'quiet', [{ key: 't', kind: 'sensor', unit: '°C' }], { offline_after: 1 });
    await announce(steady, 'steady', [{ key: 't', kind: 'sensor', unit: '°C' }]);
    await eventually(async () => (await hub.get('/api/devices')).body.items.every((d: { online: boolean }) => d.online));
    const start = Date.now();

    // Still connected (no last will), just silent.
    await eventually(async () => (await hub.get('/api/devices/quiet')).body.online === false, 4000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect((await hub.get('/api/devices/quiet')).body.offline_after).toBe(1000);
    expect((await hub.get('/api/devices/steady')).body.online).toBe(true);
    const { body: events } = await hub.get('/api/events?type=device_offline');
    expect(events.items.map((e: { device_id: string }) => e.device_id)).toEqual(['quiet']);
    expect(hub.logs.some((l) => /^device quiet silent for \d+ s \(offline_after 1 s\): offline$/.test(l.msg))).toBe(true);

    await quiet.publishAsync('hearth/quiet/telemetry', JSON.stringify({ t: 4 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/devices/quiet')).body.online === true);
    await Promise.all([quiet.endAsync(), steady.endAsync()]);
  });
});
