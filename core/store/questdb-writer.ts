import type { Logger } from 'pino';
import { describeError } from './questdb-history.ts';
import type { Reading } from './timeseries.ts';

/**
 * A FIFO with a cap that drops its oldest items when full. Items are read with
 * peek() and removed with ack() only once written, so a failed write leaves them
 * in place; sequence numbers keep ack() right when the cap evicted some of a
 * batch while it was being written.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  /** sequence number of items[0] */
  private base = 0;
  /** items evicted because the queue was full, since the last takeDropped() */
  private dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`queue capacity must be at least 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.length > this.capacity) {
      this.head++;
      this.dropped++;
      this.compact();
    }
  }

  /** The oldest `n` items and the sequence number to ack() once they are written. */
  peek(n: number): { items: T[]; until: number } {
    const items = this.items.slice(this.head, this.head + n);
    return { items, until: this.base + this.head + items.length };
  }

  ack(until: number): void {
    this.head = Math.min(this.items.length, Math.max(this.head, until - this.base));
    this.compact();
  }

  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  // Amortised O(1): the array is copied only once half of it is consumed.
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.items.length) return;
    this.items = this.items.slice(this.head);
    this.base += this.head;
    this.head = 0;
  }
}

export interface WriterOptions {
  /** writes one batch; rejects on any failure */
  write(rows: Reading[]): Promise<void>;
  log: Logger;
  batchSize: number;
  maxQueue: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Delay before retry number `failures` (1-based): doubling from the base, capped. */
export function retryDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

/**
 * Queues readings in memory and writes them in batches. A failed write keeps
 * the queue (bounded: the oldest readings go first, with a logged count), marks
 * the writer unhealthy with the reason and backs off before the timer retries.
 * Nothing here throws to the caller of append() or drain().
 */
export class ReadingWriter {
  readonly queue: BoundedQueue<Reading>;
  written = 0;
  lastError: string | undefined;
  droppedTotal = 0;
  private failures = 0;
  private retryAt = 0;
  private running: Promise<boolean> | undefined;
  private earlyDrain = false;

  constructor(private readonly options: WriterOptions) {
    this.queue = new BoundedQueue(options.maxQueue);
  }

  append(reading: Reading): void {
    this.queue.push(reading);
    if (this.queue.length >= this.options.batchSize && !this.earlyDrain) {
      this.earlyDrain = true;
      setImmediate(() => {
        this.earlyDrain = false;
        this.tick();
      });
    }
  }

  /** The timer's entry: writes unless a write is under way or the back-off has not run out. */
  tick(now = Date.now()): void {
    if (!this.running && now >= this.retryAt && this.queue.length > 0) void this.drain();
  }

  /**
   * Writes everything queued, joining a write already under way. Resolves true
   * once the queue was emptied, false when a write failed (the rows stay queued).
   */
  drain(): Promise<boolean> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<boolean> {
    this.reportDropped();
    while (this.queue.length > 0) {
      const batch = this.queue.peek(this.options.batchSize);
      try {
        await this.options.write(batch.items);
      } catch (error) {
        this.failed(error);
        return false;
      }
      this.queue.ack(batch.until);
      this.written += batch.items.length;
      this.recovered();
    }
    return true;
  }

  private failed(error: unknown): void {
    const reason = describeError(error);
    this.failures++;
    this.retryAt = Date.now() + retryDelay(this.failures, this.options.retryBaseMs, this.options.retryMaxMs);
    // One line when the reason changes, not one a second while QuestDB stays away.
    if (reason !== this.lastError) {
      this.options.log.error({ err: error, pending: this.queue.length }, `QuestDB write failed, readings are kept and retried: ${reason}`);
    }
    this.lastError = reason;
    this.reportDropped();
  }

  private recovered(): void {
    if (this.lastError !== undefined) {
      this.options.log.info(`QuestDB writes work again after ${this.failures} failed attempt(s); ${this.queue.length} readings still queued`);
    }
    this.lastError = undefined;
    this.failures = 0;
    this.retryAt = 0;
  }

  private reportDropped(): void {
    const dropped = this.queue.takeDropped();
    if (dropped === 0) return;
    this.droppedTotal += dropped;
    this.options.log.warn(
      `QuestDB write queue full (${this.options.maxQueue} readings): dropped the ${dropped} oldest, ${this.droppedTotal} since start`,
    );
  }
}
