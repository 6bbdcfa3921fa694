import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { Batch, ReadingQueue } from './reading-queue.ts';

/** "HRJ1": a chunk starts here. */
const MAGIC = 0x48524a31;
/** magic, reading count, CRC-32 of the readings: three little-endian uint32 */
const HEADER_BYTES = 12;
/** entity int32, ts float64, value float64 */
const READING_BYTES = 20;

/**
 * Readings made crash-safe before their commit: appended to a file with one
 * write (a few KB for a group commit of QoS 1 messages) instead of waiting
 * for a SQLite transaction that dirties three pages per device. A file
 * outlives the process, not the OS, which is what SQLite's WAL with
 * `synchronous = NORMAL` promises too.
 *
 * One file per generation (`<db>.pending-<n>`): `seal()` closes the current
 * one when its readings go into a commit, and `committed()` deletes every
 * sealed file once a commit succeeded (a commit takes everything queued, so
 * it covers them all). What is left at open is read back (`recover`) and
 * committed again: the store drops repeated (entity, ts) readings, so a file
 * whose commit did happen before a crash adds nothing.
 */
export class ReadingJournal {
  private fd: number | undefined;
  private readonly sealed: string[] = [];

  private constructor(
    private readonly prefix: string,
    private generation: number,
    leftovers: string[],
  ) {
    this.sealed.push(...leftovers);
  }

  /** Opens the journal of a database file; `recover` gives what a previous process left in it. */
  static open(dbFile: string): ReadingJournal {
    const prefix = `${basename(dbFile)}.pending-`;
    const dir = dirname(dbFile);
    const leftovers = readdirSync(dir)
      .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
      .map((name) => ({ path: join(dir, name), generation: Number(name.slice(prefix.length)) }))
      .sort((a, b) => a.generation - b.generation);
    return new ReadingJournal(join(dir, prefix), (leftovers.at(-1)?.generation ?? 0) + 1, leftovers.map((l) => l.path));
  }

  /** Reads the files left by a previous process into the queue, in order, up to the first damaged chunk of each. */
  recover(queue: ReadingQueue, log: Logger): number {
    let recovered = 0;
    for (const path of this.sealed) {
      const bytes = readFileSync(path);
      const { readings, intact } = readChunks(bytes, (entity, ts, value) => queue.push(entity, ts, value));
      recovered += readings;
      if (!intact) log.warn(`${path}: damaged after ${readings} readings (the process stopped while writing it); the rest is dropped`);
    }
    return recovered;
  }

  /** Appends the readings as one chunk. Throws when the disk refuses: they are not safe then. */
  write(readings: Batch): void {
    if (readings.entity.length === 0) return;
    const bytes = encodeChunk(readings);
    this.fd ??= openSync(this.path(this.generation), 'a');
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done);
    } catch (error) {
      // Part of the chunk may be in the file: later chunks go to a new one, or recovery would stop at this one before them.
      this.seal();
      throw error;
    }
  }

  /** What was written so far belongs to the commit starting now; later writes go to a new file. */
  seal(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.sealed.push(this.path(this.generation++));
  }

  /** A commit that began after the last `seal()` succeeded: the sealed files hold nothing it did not commit. */
  committed(): void {
    for (const path of this.sealed.splice(0)) unlinkSync(path);
  }

  /** Closes the file being written; it stays for the next open unless a commit covered it. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private path(generation: number): string {
    return `${this.prefix}${generation}`;
  }
}

function encodeChunk({ entity, ts, value }: Batch): Buffer {
  const count = entity.length;
  const bytes = Buffer.allocUnsafe(HEADER_BYTES + count * READING_BYTES);
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    at = bytes.writeInt32LE(entity[i]!, at);
    at = bytes.writeDoubleLE(ts[i]!, at);
    at = bytes.writeDoubleLE(value[i]!, at);
  }
  bytes.writeUInt32LE(MAGIC, 0);
  bytes.writeUInt32LE(count, 4);
  bytes.writeUInt32LE(crc32(bytes.subarray(HEADER_BYTES)), 8);
  return bytes;
}

/** Calls `take` for each reading of each whole, undamaged chunk; stops at the first that is not. */
export function readChunks(bytes: Buffer, take: (entity: number, ts: number, value: number) => void): { readings: number; intact: boolean } {
  let readings = 0;
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER_BYTES || bytes.readUInt32LE(at) !== MAGIC) return { readings, intact: false };
    const count = bytes.readUInt32LE(at + 4);
    const end = at + HEADER_BYTES + count * READING_BYTES;
    if (end > bytes.length || crc32(bytes.subarray(at + HEADER_BYTES, end)) !== bytes.readUInt32LE(at + 8)) return { readings, intact: false };
    for (let p = at + HEADER_BYTES; p < end; p += READING_BYTES) take(bytes.readInt32LE(p), bytes.readDoubleLE(p + 4), bytes.readDoubleLE(p + 12));
    readings += count;
    at = end;
  }
  return { readings, intact: true };
}
