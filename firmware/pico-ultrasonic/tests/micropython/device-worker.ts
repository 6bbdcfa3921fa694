/**
 * The Pico W of the end-to-end run: a worker thread (its own CPU, so the
 * firmware's busy loop and blocking MQTT calls never stall the hub's event
 * loop) that starts real MicroPython with the firmware and the device's
 * folder (secrets.py) on its flash, runs boot.py (the scene) and main.py
 * unchanged, and blocks on each umqtt.simple call until the test thread
 * (device.ts) has done it on a real MQTT connection.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { FLASH, loadFirmware } from './load-firmware.ts';

export interface DeviceWorkerData {
  port: MessagePort;
  /** Int32 [0]: 1 once the answer to the pending call is on the port */
  signal: SharedArrayBuffer;
  /** the device's files (secrets.py); what the firmware writes on its flash is copied back here */
  folder: string;
}
export type DeviceWorkerMessage = { line: string } | { crashed: string };

// far longer than any broker answer on loopback: a lost answer fails the run instead of hanging it
const ANSWER_TIMEOUT_MS = 10_000;

const { port, signal, folder } = workerData as DeviceWorkerData;
const answered = new Int32Array(signal);
const post = (message: DeviceWorkerMessage) => parentPort!.postMessage(message);

const flash: Record<string, Uint8Array> = { 'boot.py': readFileSync(new URL('./boot.py', import.meta.url)) };
for (const name of readdirSync(folder)) flash[name] = readFileSync(join(folder, name));

const mp = await loadFirmware({
  flash,
  console: (line) => post({ line }),
  mqttBridge(op, args) {
    mirrorFlash();
    Atomics.store(answered, 0, 0);
    port.postMessage({ op, args });
    if (Atomics.wait(answered, 0, 0, ANSWER_TIMEOUT_MS) === 'timed-out') throw new Error(`umqtt.simple bridge: no answer to ${op} in ${ANSWER_TIMEOUT_MS} ms`);
    return receiveMessageOnPort(port)!.message as string;
  },
});

/** The flash's files by name, as last seen. */
function readFlash(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of mp.FS.readdir(FLASH)) {
    const path = `${FLASH}/${name}`;
    if (mp.FS.isFile(mp.FS.stat(path).mode)) files.set(name, Buffer.from(mp.FS.readFile(path)));
  }
  return files;
}

/** What the firmware writes on its flash (settings.json) appears in the device's folder, where the test reads it. */
const flashed = readFlash();
function mirrorFlash(): void {
  for (const [name, content] of readFlash()) {
    if (flashed.get(name)?.equals(content)) continue;
    flashed.set(name, content);
    writeFileSync(join(folder, name), content);
  }
}

try {
  mp.runPython('import boot\nimport main');
} catch (error) {
  post({ crashed: (error as Error).message });
}
