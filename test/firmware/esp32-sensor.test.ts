/**
 * The ESP32 firmware's protocol code, built for this machine with g++ (the
 * hardware glue in src/main.cpp needs the ESP32 toolchain and is not built):
 * its C++ unit tests, then a round trip with the real hub, where a host build
 * of the device core (test/device_sim.cpp, compiled with the secrets.h the hub
 * provisions) says what the firmware would publish and answers the commands
 * the hub sends, over a real MQTT connection with the device's own account.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsFile } from '../../core/auth/device-snippets.ts';
import { eventually, SECURE_BASE_CONFIG, startHub, tempDir, type TestHub } from '../support/hub.ts';

const FIRMWARE = fileURLToPath(new URL('../../firmware/esp32-sensor/', import.meta.url));
const CORE_SOURCES = ['src/protocol.cpp', 'src/commands.cpp', 'src/battery.cpp', 'src/device.cpp'];
const TEST_SOURCES = ['runner', 'battery_test', 'backoff_test', 'protocol_test', 'commands_test', 'device_test'].map((f) => `test/${f}.cpp`);
const JSON_HEADERS = { 'content-type': 'application/json' };
const execFileAsync = promisify(execFile);

/** Runs g++ with the project's flags; a failure carries the compiler's messages. */
async function gxx(args: string[]): Promise<void> {
  try {
    await execFileAsync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', `-I${join(FIRMWARE, 'test/host')}`, ...args], { cwd: FIRMWARE, maxBuffer: 16 << 20 });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`g++ ${args.join(' ')} failed:\n${stderr || message}`);
  }
}

/** Compiles each source to an object in `dir` (in parallel) and returns their paths. */
async function objects(dir: string, sources: string[], extraArgs: string[] = []): Promise<string[]> {
  const outputs = sources.map((source) => join(dir, source.replace(/[/.]/g, '_') + '.o'));
  await Promise.all(sources.map((source, i) => gxx([...extraArgs, '-c', source, '-o', outputs[i]!])));
  return outputs;
}

describe('firmware/esp32-sensor on the host', () => {
  const build = tempDir();
  let coreObjects: string[];

  beforeAll(async () => {
    coreObjects = await objects(build, CORE_SOURCES);
  }, 120_000);

  it('passes its C++ unit tests', async () => {
    const binary = join(build, 'unit-tests');
    await gxx([...(await objects(build, TEST_SOURCES)), ...coreObjects, '-o', binary]);
    const result = await execFileAsync(binary).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const output = `${result.stdout}${result.stderr}`;
    expect('code' in result ? result.code : 0, output).toBe(0);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(output);
    expect(summary, output).not.toBeNull();
    expect(Number(summary![1]), output).toBeGreaterThan(30);
    expect(summary![2]).toBe('0');
  }, 120_000);

  it('ships a secrets.example.h with the settings hearth device add writes', () => {
    const defines = (text: string) => [...text.matchAll(/^#define (\w+)/gm)].map((m) => m[1]);
    const generated = secretsFile('esp32', { deviceId: 'x', password: 'p', host: 'h', port: 1 })!.content;
    expect(defines(readFileSync(join(FIRMWARE, 'secrets.example.h'), 'utf8'))).toEqual(defines(generated));
    expect(readFileSync(join(FIRMWARE, '.gitignore'), 'utf8').split('\n')).toContain('secrets.h');
  });

  describe('with the hub', () => {
    let hub: TestHub;
    let client: MqttClient | undefined;
    let sim: ChildProcessWithoutNullStreams | undefined;
    afterAll(async () => {
      sim?.kill();
      await client?.endAsync(true);
      await hub?.stop();
    });

    const post = async (entityId: string, value: unknown) => {
      const response = await fetch(`${hub.api}/api/entities/${entityId}/commands`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ value }) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const state = async (entityId: string) => (await hub.get(`/api/states/${entityId}`)).body.state;

    it('registers its announce, takes its telemetry and gets its acks', async () => {
      hub = await startHub({ base: SECURE_BASE_CONFIG });
      const provisioned = await fetch(`${hub.api}/api/devices`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ id: 'esp32-lab', name: 'Lab', kind: 'esp32' }),
      });
      expect(provisioned.status).toBe(201);
      const { mqtt: account, secrets_file: secrets } = (await provisioned.json()) as { mqtt: { username: string; password: string }; secrets_file: { name: string; content: string } };
      expect(secrets.name).toBe('secrets.h');

      // The device core built with the provisioned secrets.h, exactly as the hub made it.
      const secretsDir = tempDir();
      writeFileSync(join(secretsDir, secrets.name), secrets.content);
      const binary = join(build, 'device-sim');
      await gxx([...(await objects(secretsDir, ['test/device_sim.cpp'], [`-I${secretsDir}`])), ...coreObjects, '-o', binary]);

      // The MQTT session the firmware opens: its account, client id and last will.
      client = await mqtt.connectAsync(hub.mqttUrl, {
        clientId: 'esp32-lab',
        username: account.username,
        password: account.password,
        will: { topic: 'hearth/esp32-lab/status', payload: Buffer.from('offline'), qos: 1, retain: true },
        reconnectPeriod: 0,
      });
      await client.subscribeAsync('hearth/esp32-lab/cmd/+', { qos: 1 });

      // Humidity and the IMU are left out: the sensors "failed".
      const ts = Date.now() - 60_000;
      sim = spawn(binary, ['temperature=21.567', 'battery_mv=1935', 'rssi=-61', `ts=${ts}`]);
      let simLog = '';
      sim.stderr.on('data', (chunk: Buffer) => (simLog += chunk.toString()));
      const published: Array<{ topic: string; payload: string }> = [];
      let relay = Promise.resolve();
      createInterface({ input: sim.stdout }).on('line', (line) => {
        const [topic, retain, ...rest] = line.split(' ');
        const payload = rest.join(' ');
        published.push({ topic: topic!, payload });
        // PubSubClient publishes at QoS 0, in order.
        relay = relay.then(() => client!.publishAsync(topic!, payload, { qos: 0, retain: retain === '1' }).then(() => undefined));
      });
      client.on('message', (topic, payload) => sim!.stdin.write(`${topic} ${payload.toString()}\n`));

      const device = await eventually(async () => {
        const { body } = await hub.get('/api/devices/esp32-lab');
        return body.entities?.length === 12 && body.online === true && body;
      });
      expect(device).toMatchObject({ name: 'Lab', model: 'esp32-sensor', manufacturer: 'Hearth', sw_version: '1.0.0', offline_after: 90_000 });
      const entities = Object.fromEntries((device.entities as Array<Record<string, unknown>>).map((e) => [e.entity_id, e]));
      expect(entities['sensor.esp32_lab_temperature']).toMatchObject({ unit: '°C', device_class: 'temperature', state_class: 'measurement' });
      expect(entities['sensor.esp32_lab_accel_z']).toMatchObject({ unit: 'm/s²', state_class: 'measurement' });
      expect(entities['sensor.esp32_lab_gyro_x']).toMatchObject({ unit: '°/s' });
      expect(entities['sensor.esp32_lab_rssi']).toMatchObject({ unit: 'dBm', device_class: 'signal_strength' });
      expect(entities['number.esp32_lab_interval']).toMatchObject({ unit: 's' });
      expect(entities['switch.esp32_lab_output']).toMatchObject({ kind: 'switch' });

      await eventually(async () => (await state('sensor.esp32_lab_temperature')) === 21.57);
      const temperature = (await hub.get('/api/states/sensor.esp32_lab_temperature')).body;
      expect(temperature.last_updated).toBe(new Date(ts).toISOString());
      expect(await state('sensor.esp32_lab_battery')).toBe(60);
      expect(await state('sensor.esp32_lab_rssi')).toBe(-61);
      expect(await state('number.esp32_lab_interval')).toBe(30);
      expect(await state('switch.esp32_lab_output')).toBe(false);
      expect((await hub.get('/api/states/sensor.esp32_lab_humidity')).status).toBe(404);

      // A command goes to the device and comes back as the ack its code built.
      const on = await post('switch.esp32_lab_output', true);
      expect(on).toEqual({ status: 200, body: { id: expect.stringMatching(/^[0-9a-f]{12}$/), ok: true, value: true } });
      expect(published).toContainEqual({ topic: 'hearth/esp32-lab/cmd/output/ack', payload: JSON.stringify(on.body) });
      expect(await state('switch.esp32_lab_output')).toBe(true);
      await eventually(() => published.some((p) => p.topic === 'hearth/esp32-lab/telemetry' && JSON.parse(p.payload).output === true));

      const refused = await post('number.esp32_lab_interval', 99_999);
      expect(refused.body).toEqual({ id: expect.any(String), ok: false, error: 'interval must be 5-3600 s, got 99999' });
      expect(await state('number.esp32_lab_interval')).toBe(30);

      const slower = await post('number.esp32_lab_interval', 120);
      expect(slower.body).toMatchObject({ ok: true, value: 120 });
      // The re-announce carries the new offline_after, so a slower device is not marked offline.
      await eventually(async () => (await hub.get('/api/devices/esp32-lab')).body.offline_after === 360_000);
      expect(await state('number.esp32_lab_interval')).toBe(120);

      sim.stdin.end();
      const exitCode = await new Promise((resolve) => sim!.on('exit', resolve));
      expect(exitCode, simLog).toBe(0);
      expect(simLog).toContain('cmd/interval refused: interval must be 5-3600 s, got 99999');
      await relay;
      expect(hub.logs.filter((l) => l.msg.startsWith('rejected') || l.msg.startsWith('refused')).map((l) => l.msg)).toEqual([]);
    }, 60_000);
  });
});
