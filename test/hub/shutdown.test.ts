import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('stopping the hub', () => {
  let hub: TestHub | undefined;
  afterEach(async () => hub?.stop());

  it('commits every accepted reading and state before it closes', async () => {
    // Flush timers far away: whatever is on disk afterwards was written by stop().
    const timing = { persistIntervalMs: 60_000 };
    hub = await startHub({ timing });
    const device = await connectDevice(hub.mqttUrl, 'meter');
    await announce(device, 'meter', [{ key: 'power', kind: 'sensor', unit: 'W', state_class: 'measurement' }]);
    const t0 = Date.now() - 3_600_000;
    for (let batch = 0; batch < 5; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => ({ ts: t0 + (batch * 1000 + i) * 100, power: batch * 1000 + i }));
      // QoS 0: nothing waits for a commit (QoS 1 would be committed before its ack), so only stop() can write them.
      await device.publishAsync('hearth/meter/telemetry', JSON.stringify(records), { qos: 0 });
    }
    await eventually(async () => (await hub!.get('/api/states/sensor.meter_power')).body.state === 4999);
    await device.endAsync();
    expect(hub.hub.store.health().pending).toBe(5000);

    await hub.stop();
    hub = await startHub({ dir: hub.dir, timing });
    const { body } = await hub.get(`/api/history/sensor.meter_power?from=${t0}&points=5000`);
    expect(body.points).toHaveLength(5000);
    expect(body.points[4999].value).toBe(4999);
    expect((await hub.get('/api/states/sensor.meter_power')).body.state).toBe(4999);
  });

  it('can be stopped twice and frees its ports', async () => {
    hub = await startHub();
    const { httpPort, mqttPort } = hub.hub;
    await Promise.all([hub.stop(), hub.stop()]);
    await expect(fetch(`http://127.0.0.1:${httpPort}/api/health`)).rejects.toThrow();
    await expect(connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'late')).rejects.toThrow();
    hub = undefined;
  });
});
