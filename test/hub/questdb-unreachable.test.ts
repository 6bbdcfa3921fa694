import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';
import { closedPort } from '../support/ports.ts';

describe('QuestDB backend, server unreachable', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('starts anyway, keeps states live, acknowledges no QoS 1 reading it cannot store, reports the store error and never shows the password', async () => {
    const port = await closedPort();
    hub = await startHub({ yaml: `storage: { timeseries: { questdb: { url: "postgresql://admin:s3cret-pw@127.0.0.1:${port}/qdb" } } }` });
    const device = await connectDevice(hub.mqttUrl, 'probe');
    await announce(device, 'probe', [{ key: 't', kind: 'sensor', unit: '°C' }]);
    // Not acknowledged, as its reading cannot be committed: the hub closes the connection, so firmware would send it again.
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    void device.publishAsync('hearth/probe/telemetry', JSON.stringify({ t: 20.5 }), { qos: 1 }).catch(() => undefined);
    await closed;
    device.end(true);
    expect(hub.logs.map((l) => l.msg)).toContainEqual(expect.stringMatching(/^rejected MQTT message on hearth\/probe\/telemetry: not acknowledged, .*readings not committed/));
    await eventually(async () => (await hub.get('/api/states/sensor.probe_t')).body.state === 20.5);

    const health = await eventually(async () => {
      const r = await hub.get('/api/health');
      return r.body.store.pending === 1 ? r : undefined;
    });
    expect(health.status).toBe(503);
    expect(health.body.store).toMatchObject({ backend: 'questdb', status: 'error' });
    expect(health.body.store.error).toMatch(/ECONNREFUSED|refused/i);
    expect(JSON.stringify(health.body)).not.toContain('s3cret-pw');
    expect(JSON.stringify(hub.logs)).not.toContain('s3cret-pw');
  });
});
