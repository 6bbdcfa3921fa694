/** Readings as columns: what crosses to the writer thread, as three typed arrays rather than an object per reading. */
export interface Batch {
  entity: Int32Array;
  ts: Float64Array;
  value: Float64Array;
}

const INITIAL_CAPACITY = 1024;

/**
 * The readings accepted but not yet committed, stored in growable typed
 * arrays: no object is kept per reading, so a flood leaves the garbage
 * collector little to trace, and taking a batch is three copies.
 */
export class ReadingQueue {
  private entity = new Int32Array(INITIAL_CAPACITY);
  private ts = new Float64Array(INITIAL_CAPACITY);
  private value = new Float64Array(INITIAL_CAPACITY);
  length = 0;

  push(entity: number, ts: number, value: number): void {
    if ((entity | 0) !== entity) throw new Error(`time-series reading: entity key must be a 32-bit integer, got ${entity}`);
    if (this.length === this.entity.length) this.grow(this.length * 2);
    this.entity[this.length] = entity;
    this.ts[this.length] = ts;
    this.value[this.length] = value;
    this.length++;
  }

  /** Empties the queue, returning what it held. */
  take(): Batch {
    const batch = { entity: this.entity.slice(0, this.length), ts: this.ts.slice(0, this.length), value: this.value.slice(0, this.length) };
    this.length = 0;
    return batch;
  }

  /** The readings [from, to) without a copy: valid until the queue next changes. */
  view(from: number, to: number): Batch {
    return { entity: this.entity.subarray(from, to), ts: this.ts.subarray(from, to), value: this.value.subarray(from, to) };
  }

  /** Puts a batch that could not be committed back in front of what was queued since. */
  putBack(batch: Batch): void {
    const n = batch.entity.length;
    if (this.length + n > this.entity.length) this.grow(this.length + n);
    this.entity.copyWithin(n, 0, this.length);
    this.ts.copyWithin(n, 0, this.length);
    this.value.copyWithin(n, 0, this.length);
    this.entity.set(batch.entity);
    this.ts.set(batch.ts);
    this.value.set(batch.value);
    this.length += n;
  }

  private grow(capacity: number): void {
    const grown = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from.subarray(0, this.length));
      return to;
    };
    this.entity = grown(this.entity, new Int32Array(capacity));
    this.ts = grown(this.ts, new Float64Array(capacity));
    this.value = grown(this.value, new Float64Array(capacity));
  }
}
