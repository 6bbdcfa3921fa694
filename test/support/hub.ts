/**
 * Starts the real hub for a test: real embedded broker and HTTP server on
 * free ports (0), SQLite in a temp dir, the config written as a real file.
 * Log lines are captured so tests can check what a user would read.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { loadConfig } from '../../core/config/load-config.ts';
import { Hub, type HubOptions } from '../../core/hub.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestHub {
  hub: Hub;
  dir: string;
  logs: LogLine[];
  api: string;
  mqttUrl: string;
  get(path: string): Promise<{ status: number; body: any }>;
  restart(): Promise<TestHub>;
  stop(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hearth-test-'));
}

/** Writes `files` (path → content) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

const BASE_CONFIG = `
http: { host: 127.0.0.1, port: 0 }
mqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }
log: { level: debug }
`;

/** The same, with the broker's default: accounts required. */
export const SECURE_BASE_CONFIG = BASE_CONFIG.replace(', allow_anonymous: true', '');

export async function startHub(
  options: { dir?: string; yaml?: string; timing?: HubOptions['timing']; base?: string; clock?: HubOptions['clock'] } = {},
): Promise<TestHub> {
  const dir = options.dir ?? tempDir();
  const file = join(dir, 'hearth.yaml');
  if (!options.dir || options.yaml !== undefined) writeFileSync(file, (options.base ?? BASE_CONFIG) + (options.yaml ?? ''));
  const logs: LogLine[] = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  const hub = await Hub.start({
    config: loadConfig(file, { env: {} }),
    log: pino({ level: 'debug' }, capture),
    timing: options.timing,
    clock: options.clock,
  });
  const api = `http://127.0.0.1:${hub.httpPort}`;
  const testHub: TestHub = {
    hub,
    dir,
    logs,
    api,
    mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    async get(path) {
      const response = await fetch(api + path);
      const text = await response.text();
      return { status: response.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
    },
    async restart() {
      await hub.stop();
      return startHub({ dir, timing: options.timing, ...(options.base ? { base: options.base } : {}) });
    },
    stop: () => hub.stop(),
  };
  return testHub;
}

/** An MQTT client playing a device, as firmware would: own client id, last will on its status topic. */
export async function connectDevice(url: string, deviceId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: deviceId,
    will: { topic: `hearth/${deviceId}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
    reconnectPeriod: 0,
  });
}

export async function announce(client: MqttClient, deviceId: string, entities: object[], extra: object = {}): Promise<void> {
  await client.publishAsync(`hearth/${deviceId}/announce`, JSON.stringify({ id: deviceId, entities, ...extra }), { qos: 1, retain: true });
}

/** Polls `check` until it returns a value other than undefined/false, or fails with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError ?? new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
