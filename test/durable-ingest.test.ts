import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, tempDir, writeFiles, type TestHub } from './support/hub.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'hearth.js');

/** Starts `hearth start` as its own process and resolves with its MQTT port once it is up. */
async function startHubProcess(dir: string): Promise<{ child: ChildProcess; mqttPort: number }> {
  const child = spawn(process.execPath, [BIN, 'start', '--config', join(dir, 'hearth.yaml')], {
    env: { ...process.env, HEARTH_CONFIG: '', HEARTH_HTTP_PORT: '', HEARTH_MQTT_PORT: '', HEARTH_DATA_DIR: '' },
  });
  const mqttPort = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`hub exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = /^MQTT broker on [\d.]+:(\d+)/.exec((JSON.parse(line) as { msg: string }).msg)?.[1];
      if (port) resolve(Number(port));
    });
  });
  return { child, mqttPort };
}

describe('durable ingest', () => {
  let child: ChildProcess | undefined;
  let hub: TestHub | undefined;
  afterEach(async () => {
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await hub?.stop();
  });

  /** `hearth start` in a fresh folder, and the device `meter` connected to it and announced with these entities. */
  async function meterOnHubProcess(entities: object[]) {
    const dir = tempDir();
    writeFiles(dir, { 'hearth.yaml': 'http: { port: 0 }\nmqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }\n' });
    const started = await startHubProcess(dir);
    child = started.child;
    const device = await connectDevice(`mqtt://127.0.0.1:${started.mqttPort}`, 'meter');
    device.on('error', () => undefined);
    await announce(device, 'meter', entities);
    return { dir, hubProcess: started.child, device };
  }

  it('loses no acknowledged QoS 1 reading when the hub is killed with SIGKILL', async () => {
    const { dir, hubProcess, device } = await meterOnHubProcess([
      { key: 'power', kind: 'sensor', unit: 'W' },
      { key: 'mode', kind: 'sensor' },
    ]);
    // Text is not in the time series: its state must be written before the acknowledgement.
    const modeAt = (i: number) => (i % 2 === 0 ? 'eco' : 'boost');

    const t0 = Date.now() - 3_600_000;
    const acknowledged: number[] = [];
    const exited = new Promise((resolve) => hubProcess.once('exit', resolve));
    // One reading per message, each awaited: publishAsync resolves on the PUBACK.
    for (let i = 0; i < 100_000 && hubProcess.exitCode === null && hubProcess.signalCode === null; i++) {
      const ts = t0 + i * 10;
      const acked = await Promise.race([
        device.publishAsync('hearth/meter/telemetry', JSON.stringify({ ts, power: i, mode: modeAt(i) }), { qos: 1 }).then(() => true),
        exited.then(() => false),
      ]).catch(() => false);
      if (!acked) break;
      acknowledged.push(ts);
      // Well inside the hub's 1 s flush timer: without durable ingest these would still be in memory.
      if (acknowledged.length === 300) hubProcess.kill('SIGKILL');
    }
    await exited;
    device.end(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    hub = await startHub({ dir });
    const { body } = await hub.get(`/api/history/sensor.meter_power?from=${t0}&to=${t0 + acknowledged.length * 10}&points=10000`);
    expect(body.resolution).toBe('raw');
    const stored = new Set(body.points.map((p: { ts: string }) => Date.parse(p.ts)));
    expect(acknowledged.filter((ts) => !stored.has(ts))).toEqual([]);
    // The state too: the 1 s timer may not have written it since, but the start brings it up to the latest committed reading.
    const { body: state } = await hub.get('/api/states/sensor.meter_power');
    expect(state.state).toBeGreaterThanOrEqual(acknowledged.length - 1);
    expect(Date.parse(state.last_updated)).toBe(t0 + state.state * 10);
    const { body: mode } = await hub.get('/api/states/sensor.meter_mode');
    const modeIndex = (Date.parse(mode.last_updated) - t0) / 10;
    expect(modeIndex).toBeGreaterThanOrEqual(acknowledged.length - 1);
    expect(mode.state).toBe(modeAt(modeIndex));
  });

  it('acknowledges QoS 1 readings from the journal when nothing can be committed, and commits them at the next start after a SIGKILL', async () => {
    const { dir, hubProcess, device } = await meterOnHubProcess([{ key: 'power', kind: 'sensor', unit: 'W' }]);
    // Another connection holds the write lock from now on: no reading below can be committed before the kill.
    const blocker = new Database(join(dir, 'data', 'timeseries.db'));
    blocker.exec('BEGIN IMMEDIATE');
    const t0 = Date.now() - 60_000;
    const acknowledged: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        await device.publishAsync('hearth/meter/telemetry', JSON.stringify({ ts: t0 + i, power: i }), { qos: 1 });
        acknowledged.push(t0 + i);
      }
      const exited = new Promise((resolve) => hubProcess.once('exit', resolve));
      hubProcess.kill('SIGKILL');
      await exited;
    } finally {
      device.end(true);
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    hub = await startHub({ dir });
    expect(hub.logs.map((l) => l.msg)).toContain('readings from the journal of the last run committed again (repeats dropped): 200');
    const { body } = await hub.get(`/api/history/sensor.meter_power?from=${t0}&to=${t0 + 199}&points=1000`);
    expect(body.points.map((p: { ts: string }) => Date.parse(p.ts))).toEqual(acknowledged);
    expect((await hub.get('/api/states/sensor.meter_power')).body.state).toBe(199);
  });

  it('stops acknowledging QoS 1 messages while commits fail (the device sends them again), and takes them once the database frees up', async () => {
    hub = await startHub();
    const file = join(hub.dir, 'data', 'timeseries.db');
    expect(existsSync(file)).toBe(true);
    // Reconnects on its own and sends unacknowledged QoS 1 messages again, as firmware does.
    const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'meter', reconnectPeriod: 200 });
    try {
      await announce(device, 'meter', [{ key: 'power', kind: 'sensor', unit: 'W' }]);
      // Another connection holds the write lock: the hub's commit waits out its 5 s busy timeout and fails.
      const blocker = new Database(file);
      blocker.exec('BEGIN IMMEDIATE');
      const ts = Date.now() - 1000;
      // Journaled, so acknowledged, though it cannot be committed yet.
      await device.publishAsync('hearth/meter/telemetry', JSON.stringify({ ts, power: 41 }), { qos: 1 });
      await eventually(() => hub!.hub.store.health().status === 'error', 10_000);
      const dropped = new Promise<void>((resolve) => device.once('close', () => resolve()));
      let acknowledged = false;
      const acked = device.publishAsync('hearth/meter/telemetry', JSON.stringify({ ts: ts + 1, power: 42 }), { qos: 1 }).then(() => (acknowledged = true));
      await dropped;
      expect(acknowledged).toBe(false);
      expect(hub.logs.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/^rejected MQTT message on hearth\/meter\/telemetry: not acknowledged, the device will send it again: readings not committed: .*database is locked/),
      );
      blocker.exec('ROLLBACK');
      blocker.close();

      await acked;
      const { body } = await hub.get(`/api/history/sensor.meter_power?from=${ts - 1}&to=${ts + 2}&points=10`);
      expect(body.points.map((p: { ts: string; value: number }) => [Date.parse(p.ts), p.value])).toEqual([
        [ts, 41],
        [ts + 1, 42],
      ]);
      expect(hub.hub.store.health()).toMatchObject({ status: 'ok', pending: 0 });
    } finally {
      await device.endAsync(true);
    }
  }, 30_000);
});
