/**
 * The Pico W ultrasonic firmware (firmware/pico-ultrasonic): its Python host
 * tests, and the firmware's own main loop against the real hub with the
 * account and secrets.py that `POST /api/devices` hands out, run twice with
 * faked hardware: under CPython with umqtt.simple over a real socket, and on
 * real MicroPython (WebAssembly) with umqtt.simple bridged to a real MQTT
 * connection. The firmware's modules on MicroPython: pico-micropython.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMicroPythonDevice } from '../../firmware/pico-ultrasonic/tests/micropython/device.ts';
import { eventually, SECURE_BASE_CONFIG, startHub, tempDir, type TestHub } from '../support/hub.ts';

const FIRMWARE = 'firmware/pico-ultrasonic';
// Without the .pyc files Python would leave in the firmware folder.
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
// The host tests that exist today: fewer means some were not found or not run.
const EXPECTED_TESTS = 88;

/** A running device: its console so far, and its power switch. */
interface Device {
  output(): string;
  powerOff(): Promise<void> | void;
}

/** The firmware's main loop with the scene of tests/e2e/scene.py, started with secrets.py in `folder`. */
const DEVICES: Record<string, (folder: string) => Device> = {
  'CPython, MQTT over a real socket': (folder) => {
    const child = spawn('python3', [`${FIRMWARE}/tests/e2e/run_device.py`, folder, '20'], { env: PYTHON_ENV });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { output: () => output, powerOff: () => void child.kill('SIGKILL') };
  },
  'MicroPython-wasm, MQTT bridged to mqtt.js': startMicroPythonDevice,
};

describe('Pico W ultrasonic firmware', () => {
  it('passes its host tests (python3 -m unittest)', () => {
    const run = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', `${FIRMWARE}/tests`, '-v'], { encoding: 'utf8', env: PYTHON_ENV, timeout: 60_000 });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.error, output).toBeUndefined();
    expect(run.status, output).toBe(0);
    const ran = Number(/^Ran (\d+) tests? in/m.exec(output)?.[1] ?? 0);
    expect(ran, output).toBeGreaterThanOrEqual(EXPECTED_TESTS);
  });

  describe.each(Object.keys(DEVICES))('against the real hub, %s', (kind) => {
    let hub: TestHub | undefined;
    let device: Device | undefined;
    afterEach(async () => {
      await device?.powerOff();
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
      device = DEVICES[kind]!(folder);
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

    it('announces, sends the passer-by queued before Wi-Fi was up, takes a threshold command and goes offline by its last will', async () => {
      hub = await startHub({ base: SECURE_BASE_CONFIG });
      const { folder, password } = await provisionAndRun();

      const distance = await eventually(async () => {
        const reading = await state('sensor.garage_distance');
        return reading.state === 80 ? reading : undefined;
      }, 10_000).catch((error: Error) => {
        throw new Error(`${error.message}\nfirmware console:\n${device!.output()}`);
      });
      // stamped by the device's NTP-set clock (the host's here), not far from now
      expect(Math.abs(Date.parse(distance.last_changed) - Date.now())).toBeLessThan(15_000);
      const { body: registered } = await hub.get('/api/devices/garage');
      expect(registered).toMatchObject({ name: 'Garage', model: 'pico-ultrasonic', manufacturer: 'Hearth', online: true });
      const { body: devices } = await hub.get('/api/devices');
      expect(devices.items.map((d: { id: string }) => d.id)).toEqual(['garage']);
      const { body: entities } = await hub.get('/api/entities?device=garage');
      expect(entities.next_cursor).toBeNull();
      expect(entities.items.map((e: { entity_id: string }) => e.entity_id).sort()).toEqual([
        'number.garage_threshold',
        'sensor.garage_baseline',
        'sensor.garage_distance',
        'sensor.garage_rssi',
      ]);
      // The passer-by's event carries the baseline; the heartbeat right behind it (sent in the same
      // main-loop step, but a moment later on a loaded machine) the signal and the threshold.
      expect((await state('sensor.garage_baseline')).state).toBe(200);
      await eventually(async () => (await state('sensor.garage_rssi')).state === -61, 10_000);
      expect((await state('number.garage_threshold')).state).toBe(20);

      expect(await command(35)).toEqual({ status: 200, body: { id: expect.any(String), ok: true, value: 35 } });
      expect((await state('number.garage_threshold')).state).toBe(35);
      expect(JSON.parse(readFileSync(join(folder, 'settings.json'), 'utf8'))).toEqual({ threshold_cm: 35 });
      expect(await command(401)).toEqual({ status: 200, body: { id: expect.any(String), ok: false, error: 'threshold must be between 1 and 400 cm, got 401' } });

      // Every field the firmware sends is accepted: device_id, date and time are informational.
      const rejected = hub.logs.filter((line) => line.msg.startsWith('rejected MQTT message on hearth/garage/'));
      expect(rejected.map((line) => line.msg)).toEqual([]);

      await device!.powerOff(); // no DISCONNECT, so the broker publishes the will
      await eventually(async () => (await hub!.get('/api/devices/garage')).body.online === false);
      const output = device!.output();
      // the event happened offline, and went out once Wi-Fi, NTP and MQTT were up
      expect(output).toMatch(/^event: 80\.0 cm \(baseline 200\.0 cm\)$[^]*^Wi-Fi connected to [^]*^clock set by NTP: [^]*^MQTT connected to 127\.0\.0\.1:/m);
      expect(output).not.toContain(password);
    });
  });
});
