import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Checkpointer } from './sqlite-checkpointer.ts';
import type { Batch } from './reading-queue.ts';
import { ROLLUP_MS, type PurgeResult, type RetentionPolicy } from './timeseries.ts';

type Answer =
  | { type: 'written' }
  | { type: 'writeFailed'; error: string }
  | { type: 'purged'; id: number; result: PurgeResult }
  | { type: 'purgeFailed'; id: number; error: string }
  | { type: 'catchUp' };

export interface WriterThread {
  /** Resolves once the batch is committed; rejects with the commit's error. One batch at a time. */
  write(batch: Batch): Promise<void>;
  purge(policy: RetentionPolicy): Promise<PurgeResult>;
  /** A connection setting for the writer's connection: what the checkpointer sets on the connection it relieves. */
  pragma(source: string): void;
  /** Lets the writer's purge wait for checkpoints (it asks every so many chunks). */
  checkpointWith(checkpointer: Checkpointer): void;
  /** Stops a purge after its current chunk, closes the connection and ends the thread. */
  close(): Promise<void>;
}

/** A thread that keeps dying is not restarted more than this many times a minute: then the store reports the error. */
const MAX_RESTARTS_PER_MINUTE = 5;

export interface WriterThreadOptions {
  /** Sees every thread started (the first and each restart): lets a test stop one as a crash would. */
  onSpawn?(worker: Worker): void;
}

/**
 * The time-series write connection in a worker thread (sqlite-writer.js):
 * a commit of 1,000 devices' second of readings touches ~1,000 B-tree leaves
 * plus their rollup rows (~30 ms), which the hub's event loop no longer waits
 * for; and a purge on the same connection never contends with it for the lock.
 * `execArgv: []`: the thread is plain JavaScript, and a TypeScript loader
 * inherited from `tsx` would take ~200 ms to start in it.
 *
 * A thread that dies (a native crash, running out of memory) is started
 * again: the write it was doing fails, so its caller keeps the batch and
 * sends it to the new thread, which is safe either way (a reading already
 * committed is not inserted or counted twice).
 */
export function startWriterThread(file: string, log: Logger, options: WriterThreadOptions = {}): WriterThread {
  let worker: Worker;
  // Idle, the thread must not keep the process alive (the store never did); waited for, it must.
  let outstanding = 0;
  const waitFor = <T>(request: Promise<T>): Promise<T> => {
    if (outstanding++ === 0) worker.ref();
    return request.finally(() => {
      if (--outstanding === 0) worker.unref();
    });
  };
  let writing: { resolve(): void; reject(error: Error): void } | undefined;
  const purges = new Map<number, { resolve(result: PurgeResult): void; reject(error: Error): void }>();
  let purgeIds = 0;
  let checkpointer: Checkpointer | undefined;
  let stopped: Error | undefined;
  let closing = false;
  /** connection settings sent so far, for a restarted thread */
  const pragmas: string[] = [];
  const restarts: number[] = [];
  let exited!: Promise<void>;

  const onMessage = (answer: Answer) => {
    switch (answer.type) {
      case 'written':
        return writing?.resolve();
      case 'writeFailed':
        return writing?.reject(new Error(answer.error));
      case 'purged':
        purges.get(answer.id)?.resolve(answer.result);
        return purges.delete(answer.id);
      case 'purgeFailed':
        purges.get(answer.id)?.reject(new Error(answer.error));
        return purges.delete(answer.id);
      case 'catchUp':
        return void (checkpointer?.checkpoint() ?? Promise.resolve()).then(() => worker.postMessage({ type: 'caughtUp' }));
    }
  };

  /** Whatever was in flight is not known to be committed: its callers keep their data (see SqliteTimeSeries.flush). */
  const failInFlight = (error: Error) => {
    writing?.reject(error);
    for (const p of purges.values()) p.reject(error);
    purges.clear();
  };

  const spawn = () => {
    worker = new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData: { file, widths: ROLLUP_MS }, execArgv: [] });
    if (outstanding === 0) worker.unref();
    for (const source of pragmas) worker.postMessage({ type: 'pragma', source });
    worker.on('message', onMessage);
    worker.on('error', (error) => log.error({ err: error }, `time-series writer failed: ${error.message}`));
    exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        if (closing) {
          stopped = new Error('time-series writer thread has stopped');
          failInFlight(stopped);
          return resolve();
        }
        const now = Date.now();
        restarts.push(now);
        while (restarts[0]! < now - 60_000) restarts.shift();
        if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
          stopped = new Error(`time-series writer thread stopped (exit code ${code}) ${restarts.length} times within a minute: not restarted; readings stay queued`);
          log.error(stopped.message);
          failInFlight(stopped);
          return resolve();
        }
        log.error(`time-series writer thread stopped (exit code ${code}): starting it again; the batch in flight is sent again`);
        failInFlight(new Error(`time-series writer thread stopped (exit code ${code})`));
        spawn();
        resolve();
      }),
    );
    options.onSpawn?.(worker);
  };
  spawn();

  return {
    write(batch) {
      if (stopped) return Promise.reject(stopped);
      return waitFor(
        new Promise<void>((resolve, reject) => {
          writing = { resolve, reject };
          // Copied, not transferred: the caller keeps the batch until the commit is confirmed.
          worker.postMessage({ type: 'write', ...batch });
        }),
      ).finally(() => (writing = undefined));
    },
    purge(policy) {
      if (stopped) return Promise.reject(stopped);
      const id = ++purgeIds;
      return waitFor(
        new Promise<PurgeResult>((resolve, reject) => {
          purges.set(id, { resolve, reject });
          worker.postMessage({ type: 'purge', id, policy });
        }),
      );
    },
    pragma(source) {
      pragmas.push(source);
      worker.postMessage({ type: 'pragma', source });
    },
    checkpointWith(c) {
      checkpointer = c;
    },
    async close() {
      closing = true;
      if (!stopped) worker.postMessage({ type: 'close' });
      await waitFor(exited);
    },
  };
}
