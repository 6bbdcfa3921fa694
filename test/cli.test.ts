import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { announce, startHub, tempDir, writeFiles, type TestHub } from './support/hub.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hearth.js');
const ENV = { ...process.env, HEARTH_CONFIG: '', HEARTH_HTTP_PORT: '', HEARTH_MQTT_PORT: '', HEARTH_DATA_DIR: '' };

function hearth(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...ENV, ...env }, timeout: 15_000 });
}

describe('hearth check-config', () => {
  it('accepts the shipped configuration', () => {
    const result = hearth(['check-config', 'config/hearth.yaml']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/config\/hearth\.yaml: valid \(3 plugins\)/);
    expect(result.status).toBe(0);
  });

  it('exits 1 and names file, line, column and path of every problem', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'hearth.yaml': ['name: Home', 'http:', '  prot: 8080', 'log:', '  level: loud', 'plugins:', '  system-monitor:', '    interval_seconds: 1', ''].join('\n'),
    });
    const result = hearth(['check-config', join(dir, 'hearth.yaml')]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/hearth\.yaml:3:3: http\.prot: unknown key "prot" \(allowed: host, port, cors_origins, max_body_kb\).*did you mean "port"\?/);
    expect(lines[1]).toMatch(/hearth\.yaml:5:10: log\.level: .*fatal, error, warn, info, debug, trace, silent/);
    expect(lines.at(-1)).toBe('2 problems in the configuration');

    // Once the core config is valid, each plugin's options are checked against its schema.
    writeFiles(dir, { 'hearth.yaml': ['plugins:', '  system-monitor:', '    interval_seconds: 1', ''].join('\n') });
    const plugin = hearth(['check-config', join(dir, 'hearth.yaml')]);
    expect(plugin.status).toBe(1);
    expect(plugin.stderr).toMatch(/hearth\.yaml:3:23: plugins\.system-monitor\.interval_seconds: must be >= 5/);
  });

  it('reads the file named by HEARTH_CONFIG', () => {
    const dir = tempDir();
    writeFiles(dir, { 'other.yaml': 'http:\n  port: eighty\n' });
    const result = hearth(['check-config'], { HEARTH_CONFIG: join(dir, 'other.yaml') });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/other\.yaml:2:9: http\.port: must be integer/);
  });
});

describe('hearth start', () => {
  let hub: TestHub | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    // A failed assertion must not leave a hub running on the machine.
    if (child?.exitCode === null) child.kill('SIGKILL');
    await hub?.stop();
  });

  it('runs the hub until SIGTERM, then flushes and exits 0 within 5 s', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'hearth.yaml': 'storage: { data_dir: data }\nhttp: { port: 0 }\nmqtt: { host: 127.0.0.1, port: 0 }\n' });
    const hearthProcess = spawn(process.execPath, [BIN, 'start', '--config', join(dir, 'hearth.yaml')], { env: ENV });
    child = hearthProcess;
    const messages: string[] = [];
    const ports = await new Promise<{ http: number; mqtt: number }>((resolve, reject) => {
      const found: { http?: number; mqtt?: number } = {};
      hearthProcess.once('exit', (code) => reject(new Error(`exited ${code}: ${messages.join('\n')}`)));
      createInterface({ input: hearthProcess.stdout }).on('line', (line) => {
        const { msg } = JSON.parse(line) as { msg: string };
        messages.push(msg);
        found.mqtt ??= Number(/^MQTT broker on [\d.]+:(\d+)/.exec(msg)?.[1]) || undefined;
        found.http ??= Number(/^HTTP API and UI on http:\/\/127\.0\.0\.1:(\d+)\//.exec(msg)?.[1]) || undefined;
        // The last line of a start: everything above it has been logged.
        if (msg.startsWith('data in ') && found.http && found.mqtt) resolve({ http: found.http, mqtt: found.mqtt });
      });
    });
    expect(messages).toContain('the API listens on this machine only until users and tokens exist (set http.host to open it)');

    // As a new user: provision the device with the CLI (while the hub runs), then log in with what it printed.
    const added = hearth(['device', 'add', 'cli-dev', '--config', join(dir, 'hearth.yaml')]);
    expect(added.status).toBe(0);
    const password = /^ {2}password: (\S+)$/m.exec(added.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { clientId: 'cli-dev', username: 'cli-dev', password, reconnectPeriod: 0 });
    await announce(device, 'cli-dev', [{ key: 'temp', kind: 'sensor', unit: '°C' }]);
    await device.publishAsync('hearth/cli-dev/telemetry', JSON.stringify({ temp: 21.5 }), { qos: 1 });
    await device.endAsync();
    const health = (await (await fetch(`http://127.0.0.1:${ports.http}/api/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');

    const stoppedAt = Date.now();
    hearthProcess.kill('SIGTERM');
    // 'close', not 'exit': it comes after stdout is drained, so the last log line has been read.
    const code = await new Promise<number | null>((resolve) => hearthProcess.on('close', resolve));
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    expect(messages.at(-1)).toBe('hub stopped');

    hub = await startHub({ dir, yaml: '' });
    expect((await hub.get('/api/states/sensor.cli_dev_temp')).body.state).toBe(21.5);
    expect((await hub.get('/api/history/sensor.cli_dev_temp')).body.points).toHaveLength(1);
  });

  it('refuses to start on a bad config, with the problem and exit code 1', () => {
    const dir = tempDir();
    writeFiles(dir, { 'hearth.yaml': 'mqtt:\n  port: ${MQTT_PORT}\n' });
    const result = hearth(['start', '--config', join(dir, 'hearth.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/hearth\.yaml:2:9: mqtt\.port: .*MQTT_PORT/);
  });
});
