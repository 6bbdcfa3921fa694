/**
 * Runs the firmware on MicroPython-wasm as a device of the real hub: a worker
 * thread is the Pico (device-worker.ts), this thread does its MQTT on a real
 * connection (mqtt-bridge.ts), answering each umqtt.simple call while the
 * worker waits for it (a SharedArrayBuffer flag; the answer crosses on a
 * MessagePort read synchronously).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { DeviceWorkerData, DeviceWorkerMessage } from './device-worker.ts';
import { MqttBridge } from './mqtt-bridge.ts';

export interface MicroPythonDevice {
  /** the console so far */
  output(): string;
  /** Pulls the plug: the firmware stops where it is, the connection drops without DISCONNECT. */
  powerOff(): Promise<void>;
}

// Node runs no TypeScript by itself: the worker registers tsx (as bin/hearth.js does) before loading its module.
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => import(${JSON.stringify(import.meta.resolve('./device-worker.ts'))}));`;

export function startMicroPythonDevice(folder: string): MicroPythonDevice {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const answered = new Int32Array(signal);
  const bridge = new MqttBridge();
  let output = '';
  const workerData: DeviceWorkerData = { port: port2, signal, folder };
  const worker = new Worker(BOOT, { eval: true, workerData, transferList: [port2] });
  worker.on('message', (message: DeviceWorkerMessage) => (output += 'line' in message ? `${message.line}\n` : `${message.crashed}\n`));
  worker.on('error', (error) => (output += `device worker failed: ${error.stack}\n`));
  port1.on('message', async ({ op, args }: { op: string; args: string }) => {
    const answer = await bridge.handle(op, JSON.parse(args) as Record<string, unknown>);
    port1.postMessage(JSON.stringify(answer));
    Atomics.store(answered, 0, 1);
    Atomics.notify(answered, 0);
  });
  return {
    output: () => output,
    async powerOff() {
      await worker.terminate();
      port1.close();
      bridge.powerOff();
    },
  };
}
