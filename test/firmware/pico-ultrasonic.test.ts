/**
 * The Pico W ultrasonic firmware (firmware/pico-ultrasonic): its Python host
 * tests, and the firmware's own main loop, run under CPython with faked
 * hardware, against the real hub with the account and secrets.py that
 * `POST /api/devices` hands out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, SECURE_BASE_CONFIG, startHub, tempDir, type TestHub } from '../support/hub.ts';

const FIRMWARE = 'firmware/pico-ultrasonic';
// Without the .pyc files Python would leave in the firmware folder.
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
// The host tests that exist today: fewer means some were not found or not run.
const EXPECTED_TESTS = 70;

describe('Pico W ultrasonic firmware', () => {
  it('passes its host tests (python3 -m unittest)', () => {
    const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', `${FIRMWARE}/tests`, '-v'], { encoding: 'utf8', env: PYTHON_ENV, timeout: 60_000 });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.error, output).toBeUndefined();
    expect(run.status, output).toBe(0);
    const ran = Number(/^Ran (\d+) tests? in/m.exec(output)?.[1] ?? 0);
    expect(ran, output).toBeGreaterThanOrEqual(EXPECTED_TESTS);
  });

  describe('against the real hub', () => {
    let hub: TestHub | undefined;
    let device: ChildProcess | undefined;
    let output = '';
    afterEach(async () => {
      device?.kill('SIGKILL');
      await hub?.stop();
    });

    /** Starts the firmware as a device that has the secrets.py the hub generated. */
    async function provisionAndRun(): Promise<{ folder: string; password: string }> {
      const response = await fetch(`${hub!.api}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'garage', name: 'Garage', kind: 'pico' }) });
      expect(response.status).toBe(201);
      const { mqtt, secrets_file } = (await response.json()) as { mqtt: { password: string }; secrets_file: { name: string; content: string } };
      expect(secrets_file.name).toBe('secrets.py');
      const folder = tempDir();
      // Only the host changes: the generated one is the machine's LAN address; this test stays on loopback.
      const secrets = secrets_file.content.replace(/^MQTT_HOST = ".*"$/m, 'MQTT_HOST = "127.0.0.1"');
      expect(secrets).not.toBe(secrets_file.content);
      writeFileSync(join(folder, 'secrets.py'), secrets);
      device = spawn('python3', [`${FIRMWARE}/tests/e2e/run_device.py`, folder, '20'], { env: PYTHON_ENV });
      device.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      device.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return { folder, password: mqtt.password };
    }

    const state = async (entityId: string) => (await hub!.get(`/api/states/${entityId}`)).body;
    const command = async (value: unknown) => {
      const response = await fetch(`${hub!.api}/api/entities/number.garage_threshold/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('announces, reports a passer-by, takes a threshold command and goes offline by its last will', async () => {
      hub = await startHub({ base: SECURE_BASE_CONFIG });
      const { folder, password } = await provisionAndRun();

      const distance = await eventually(async () => {
        const reading = await state('sensor.garage_distance');
        return reading.state === 80 ? reading : undefined;
      }, 10_000).catch((error: Error) => {
        throw new Error(`${error.message}\nfirmware console:\n${output}`);
      });
      // stamped by the device's NTP-set clock (the host's here), not far from now
      expect(Math.abs(Date.parse(distance.last_changed) - Date.now())).toBeLessThan(15_000);
      const { body: registered } = await hub.get('/api/devices/garage');
      expect(registered).toMatchObject({ name: 'Garage', model: 'pico-ultrasonic', manufacturer: 'Hearth', online: true });
      expect(registered.entities.map((e: { entity_id: string }) => e.entity_id).sort()).toEqual([
        'number.garage_threshold',
        'sensor.garage_baseline',
        'sensor.garage_distance',
        'sensor.garage_rssi',
      ]);
      expect((await state('sensor.garage_baseline')).state).toBe(200);
      expect((await state('sensor.garage_rssi')).state).toBe(-61);
      expect((await state('number.garage_threshold')).state).toBe(20);

      expect(await command(35)).toEqual({ status: 200, body: { id: expect.any(String), ok: true, value: 35 } });
      expect((await state('number.garage_threshold')).state).toBe(35);
      expect(JSON.parse(readFileSync(join(folder, 'settings.json'), 'utf8'))).toEqual({ threshold_cm: 35 });
      expect(await command(401)).toEqual({ status: 200, body: { id: expect.any(String), ok: false, error: 'threshold must be between 1 and 400 cm, got 401' } });

      // Every field the firmware sends is accepted: device_id, date and time are informational.
      const rejected = hub.logs.filter((line) => line.msg.startsWith('rejected MQTT message on hearth/garage/'));
      expect(rejected.map((line) => line.msg)).toEqual([]);

      device!.kill('SIGKILL'); // the power goes: no DISCONNECT, so the broker publishes the will
      await eventually(async () => (await hub!.get('/api/devices/garage')).body.online === false);
      expect(output).toContain('MQTT connected to 127.0.0.1');
      expect(output).not.toContain(password);
    });
  });
});
