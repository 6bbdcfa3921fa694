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

/**
 * The time-series write connection in a worker thread (sqlite-writer.js):
 * a commit of 1,000 devices' second of readings touches ~1,000 B-tree leaves
 * plus their rollup rows (~30 ms), which the hub's event loop no longer waits
 * for; and a purge on the same connection never contends with it for the lock.
 * `execArgv: []`: the thread is plain JavaScript, and a TypeScript loader
 * inherited from `tsx` would take ~200 ms to start in it.
 */
export function startWriterThread(file: string, log: Logger): WriterThread {
  const worker = new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData: { file, widths: ROLLUP_MS }, execArgv: [] });
  // Idle, the thread must not keep the process alive (the store never did); waited for, it must.
  let outstanding = 0;
  const waitFor = <T>(request: Promise<T>): Promise<T> => {
    if (outstanding++ === 0) worker.ref();
    return request.finally(() => {
      if (--outstanding === 0) worker.unref();
    });
  };
  worker.unref();
  let writing: { resolve(): void; reject(error: Error): void } | undefined;
  const purges = new Map<number, { resolve(result: PurgeResult): void; reject(error: Error): void }>();
  let purgeIds = 0;
  let checkpointer: Checkpointer | undefined;
  let stopped: Error | undefined;

  worker.on('message', (answer: Answer) => {
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
  });
  worker.on('error', (error) => log.error({ err: error }, `time-series writer failed: ${error.message}`));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // Whatever was in flight is not committed: its callers keep their data (see SqliteTimeSeries.flush).
      stopped = new Error('time-series writer thread has stopped');
      writing?.reject(stopped);
      for (const p of purges.values()) p.reject(stopped);
      purges.clear();
      resolve();
    }),
  );

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
      worker.postMessage({ type: 'pragma', source });
    },
    checkpointWith(c) {
      checkpointer = c;
    },
    async close() {
      if (!stopped) worker.postMessage({ type: 'close' });
      await waitFor(exited);
    },
  };
}
