import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { lanAddress } from '../../core/auth/device-snippets.ts';
import { call, onboard } from '../support/auth.ts';
import { announce, eventually, startHub, type TestHub } from '../support/hub.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hearth.js');
/** No http.host: the hub decides by whether users exist. */
const AUTO_HOST = 'http: { port: 0 }\nmqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }\nlog: { level: debug }\n';
const EVERY_INTERFACE = ['::', '0.0.0.0'];
const lan = lanAddress();

/** Whether the API answers on this machine's LAN address (false: connection refused). */
async function reachableFromLan(port: number): Promise<boolean> {
  return fetch(`http://${lan}:${port}/api/health`).then(
    () => true,
    () => false,
  );
}

describe('where the API listens', () => {
  let hub: TestHub;
  afterEach(() => hub.stop());

  it('without http.host: this machine only until the first user exists, then every interface on the same port', async () => {
    hub = await startHub({ base: AUTO_HOST });
    const port = hub.hub.httpPort;
    expect(hub.hub.httpAddress).toBe('127.0.0.1');
    expect(hub.logs.map((l) => l.msg)).toContain('the API listens on this machine only until users and tokens exist (set http.host to open it)');
    if (lan !== '127.0.0.1') expect(await reachableFromLan(port)).toBe(false);
    // A browser's MQTT-over-WebSocket connection, open across the switch.
    const device = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, { clientId: 'ws-dev', reconnectPeriod: 0 });
    await announce(device, 'ws-dev', [{ key: 'lux', kind: 'sensor', unit: 'lx' }]);

    // The first user, made by the CLI in another process while the hub runs.
    const added = spawnSync(process.execPath, [BIN, 'user', 'add', 'ada', '--role', 'admin', '--config', join(hub.dir, 'hearth.yaml')], {
      input: 'ada-secret-passphrase\nada-secret-passphrase\n',
      encoding: 'utf8',
      env: { ...process.env, HEARTH_DATA_DIR: '', HEARTH_CONFIG: '' },
    });
    expect(added.stderr).toBe('');
    await eventually(() => EVERY_INTERFACE.includes(hub.hub.httpAddress));
    expect(hub.hub.httpPort).toBe(port);
    expect(hub.logs.map((l) => l.msg)).toContain(`a user exists now: the API listens on every interface, port ${port}, and needs a token`);
    if (lan !== '127.0.0.1') expect(await reachableFromLan(port)).toBe(true);
    expect((await call(hub.api, 'GET', '/api/states')).status).toBe(401);

    // The open WebSocket kept working, and new ones connect on the reopened listener.
    await device.publishAsync('hearth/ws-dev/telemetry', JSON.stringify({ lux: 7 }), { qos: 1 });
    await device.endAsync();
    const token = (await call(hub.api, 'POST', '/api/auth/login', { body: { username: 'ada', password: 'ada-secret-passphrase' } })).body.token;
    await eventually(async () => (await call(hub.api, 'GET', '/api/states/sensor.ws_dev_lux', { token })).body.state === 7);
    const late = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, { clientId: 'ws-late', reconnectPeriod: 0 });
    await late.endAsync();

    // Restarted with a user: every interface from the start.
    hub = await hub.restart();
    expect(EVERY_INTERFACE).toContain(hub.hub.httpAddress);
    expect(hub.logs.map((l) => l.msg)).toContain('users exist: the API listens on every interface and needs a token (set http.host to limit it)');
  });

  it('obeys an explicit http.host, warning when it is open to the network and no user exists', async () => {
    hub = await startHub({ base: AUTO_HOST.replace('http: {', 'http: { host: 0.0.0.0,') });
    expect(hub.hub.httpAddress).toBe('0.0.0.0');
    const warning = hub.logs.find((l) => l.level === 40 && l.msg.startsWith('http.host is 0.0.0.0 and no user exists yet'));
    expect(warning?.msg).toMatch(/anyone who can reach it can use the API until the first user is created/);
    await hub.stop();

    hub = await startHub({ yaml: '' }); // the test base: http.host 127.0.0.1
    await onboard(hub);
    // It stays on loopback although a user exists now.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(hub.hub.httpAddress).toBe('127.0.0.1');
  });
});
