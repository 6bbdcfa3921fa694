/**
 * Runs tasks one after another per key (a device), each key independently.
 * A synchronous task with nothing pending for its key runs at once, with no
 * promise in between: the common telemetry path stays cheap.
 */
export class KeyedQueue {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly onError: (error: unknown, label: string) => void) {}

  /**
   * Runs `task` now, or after the key's unfinished one. Returns undefined when
   * it ran to completion at once (the common case, with no promise made at
   * all), else a promise that resolves when it is done; never rejects (errors
   * go to onError with `label`).
   */
  run(key: string, label: string, task: () => void | Promise<void>): Promise<void> | undefined {
    const previous = this.pending.get(key);
    let result: void | Promise<void>;
    if (previous) {
      result = previous.then(task);
    } else {
      try {
        result = task();
      } catch (error) {
        this.onError(error, label);
        return undefined;
      }
    }
    if (!(result instanceof Promise)) return undefined;
    const settled: Promise<void> = result
      .catch((error: unknown) => this.onError(error, label))
      .finally(() => {
        if (this.pending.get(key) === settled) this.pending.delete(key);
      });
    this.pending.set(key, settled);
    return settled;
  }

  /** Resolves once every task queued so far has finished. */
  async drain(): Promise<void> {
    await Promise.all(this.pending.values());
  }
}
