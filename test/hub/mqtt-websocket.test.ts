import mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, eventually, startHub, type TestHub } from '../support/hub.ts';

describe('MQTT over WebSocket at /mqtt on the HTTP port', () => {
  let hub: TestHub;
  afterEach(async () => hub?.stop());

  it('carries a device the same as TCP, to the hub and to TCP subscribers', async () => {
    hub = await startHub();
    const watcher = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    const seen: string[] = [];
    await watcher.subscribeAsync('hearth/+/telemetry');
    watcher.on('message', (_topic, payload) => seen.push(payload.toString()));

    const device = await mqtt.connectAsync(`ws://127.0.0.1:${hub.hub.httpPort}/mqtt`, { clientId: 'browser-dev', reconnectPeriod: 0 });
    await announce(device, 'browser-dev', [{ key: 'lux', kind: 'sensor', unit: 'lx' }]);
    await device.publishAsync('hearth/browser-dev/telemetry', JSON.stringify({ lux: 312 }), { qos: 1 });
    await eventually(async () => (await hub.get('/api/states/sensor.browser_dev_lux')).body.state === 312);
    await eventually(() => seen.includes('{"lux":312}'));
    expect((await hub.get('/api/health')).body.broker.clients).toBe(2);
    await Promise.all([device.endAsync(), watcher.endAsync()]);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    hub = await startHub();
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${hub.hub.httpPort}/elsewhere`, 'mqtt');
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => reject(new Error('upgrade accepted on /elsewhere')));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});
