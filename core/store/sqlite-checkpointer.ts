import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/**
 * Runs in the worker, as plain CommonJS (an eval worker needs no TypeScript
 * loader): its own connection, copying the WAL back into the database file
 * every `everyMs` and when asked. PASSIVE never waits for the writer, and the
 * writer never waits for it.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); return undefined; } catch (error) { return String((error && error.message) || error); }
};
const timer = setInterval(() => {
  const error = checkpoint();
  if (error) parentPort.postMessage({ error });
}, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') return parentPort.postMessage({ done: true, error: checkpoint() });
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** The connection whose commits the checkpointer relieves of checkpoints: the database's writer. */
export interface Writer {
  pragma(source: string): unknown;
}

export interface Checkpointer {
  /** Resolves once the worker has copied what the WAL held when asked. */
  checkpoint(): Promise<void>;
  /** Stops the worker; call before the main connection closes (which then checkpoints what is left). */
  stop(): Promise<void>;
}

/**
 * Checkpoints off the event loop. SQLite's automatic checkpoint runs inside
 * whichever commit crosses 1,000 WAL pages, writing ~4 MB and fsyncing the
 * database file there and then: measured at 7-9 ms each during a purge on an
 * SSD, up to 58 ms when an fsync was slow, and far more on an SD card. With
 * WAL and synchronous=NORMAL commits do not fsync, only checkpoints do, so the
 * event loop is left without disk flushes.
 *
 * The WAL starts over from its beginning only when a write finds it fully
 * copied, so a writer that never pauses (a purge) must let a checkpoint catch
 * up now and then, or the WAL grows for as long as it runs. That first write
 * fsyncs the new WAL header (~4 ms here), the one disk flush left in the
 * writer's thread (the event loop for the registry, sqlite-writer.js for the
 * readings); hence a checkpoint every few seconds rather than after every
 * flush, which also spares an SD card rewriting the same pages.
 */
export function checkpointInWorker(writer: Writer, file: string, log: Logger, everyMs = 5000): Checkpointer {
  writer.pragma('wal_autocheckpoint = 0');
  // Once a burst of writes is copied back, the next write cuts a WAL that grew past this back to it.
  writer.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, everyMs } });
  worker.unref();
  let running = true;
  let stopping = false;
  const waiting: Array<() => void> = [];
  worker.on('message', (message: { done?: true; error?: string }) => {
    if (message.error) log.warn(`time-series checkpoint failed: ${message.error}`);
    if (message.done) waiting.shift()?.();
  });
  worker.on('error', (error) => log.error({ err: error }, `time-series checkpointer stopped: ${error.message}`));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      running = false;
      for (const resolveWaiting of waiting.splice(0)) resolveWaiting();
      // Without the worker the WAL would grow for ever: back to checkpoints inside commits.
      if (!stopping) writer.pragma('wal_autocheckpoint = 1000');
      resolve();
    }),
  );
  return {
    checkpoint: () =>
      running
        ? new Promise<void>((resolve) => {
            waiting.push(resolve);
            worker.postMessage('checkpoint');
          })
        : Promise.resolve(),
    async stop() {
      stopping = true;
      // Unref'd, the worker would not keep the process alive while we wait for it: at
      // shutdown Node would exit mid-stop, before the main connection is closed.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
