import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadingJournal, readChunks } from '../../core/store/reading-journal.ts';
import { ReadingQueue } from '../../core/store/reading-queue.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-journal-'));
  dirs.push(dir);
  const db = join(dir, 'timeseries.db');
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
  const files = () => readdirSync(dir).sort();
  return { dir, db, log, warnings, files };
}

/** A queue holding these [entity, ts, value] readings. */
function queueOf(readings: Array<[number, number, number]>): ReadingQueue {
  const queue = new ReadingQueue();
  for (const [entity, ts, value] of readings) queue.push(entity, ts, value);
  return queue;
}

const contents = (queue: ReadingQueue) => {
  const { entity, ts, value } = queue.view(0, queue.length);
  return [...entity].map((e, i) => [e, ts[i], value[i]]);
};

describe('ReadingJournal', () => {
  it('gives back, in order, what an earlier process wrote and never saw committed, and numbers its own files after them', () => {
    const { db, log, files } = setup();
    const first = ReadingJournal.open(db);
    const a = queueOf([[1, 1_700_000_000_123, 20.5], [2, 1_700_000_000_124, -0.1]]);
    first.write(a.view(0, 2));
    first.seal(); // a commit started, and the process died during it
    first.write(queueOf([[3, 1_700_000_001_000, 1e300]]).view(0, 1));
    first.close();
    expect(files()).toEqual(['timeseries.db.pending-1', 'timeseries.db.pending-2']);

    const second = ReadingJournal.open(db);
    const queue = new ReadingQueue();
    expect(second.recover(queue, log)).toBe(3);
    expect(contents(queue)).toEqual([
      [1, 1_700_000_000_123, 20.5],
      [2, 1_700_000_000_124, -0.1],
      [3, 1_700_000_001_000, 1e300],
    ]);
    second.write(queueOf([[4, 5, 6]]).view(0, 1));
    expect(files()).toEqual(['timeseries.db.pending-1', 'timeseries.db.pending-2', 'timeseries.db.pending-3']);
    // A commit that began after this seal covers the recovered files and the new one.
    second.seal();
    second.committed();
    expect(files()).toEqual([]);
  });

  it('deletes on commit only the files sealed before it: what was written since stays', () => {
    const { db, files } = setup();
    const journal = ReadingJournal.open(db);
    journal.write(queueOf([[1, 1, 1]]).view(0, 1));
    journal.seal();
    journal.seal(); // nothing written since: no empty file
    journal.write(queueOf([[2, 2, 2]]).view(0, 1)); // arrived while the commit ran
    journal.committed();
    expect(files()).toEqual(['timeseries.db.pending-2']);
    journal.close();
  });

  it('keeps the whole chunks before a torn or damaged one, and says so', () => {
    const { db, log, warnings, files, dir } = setup();
    const journal = ReadingJournal.open(db);
    for (let i = 0; i < 3; i++) journal.write(queueOf([[i, i * 10, i / 2], [i, i * 10 + 1, i / 3]]).view(0, 2));
    journal.close();
    const path = join(dir, 'timeseries.db.pending-1');
    const chunk = 12 + 2 * 20;
    expect(readFileSync(path).length).toBe(3 * chunk);

    // Torn: the process died in the middle of the last write.
    truncateSync(path, 3 * chunk - 7);
    let queue = new ReadingQueue();
    expect(ReadingJournal.open(db).recover(queue, log)).toBe(4);
    expect(contents(queue).map((r) => r[1])).toEqual([0, 1, 10, 11]);
    expect(warnings).toEqual([`${path}: damaged after 4 readings (the process stopped while writing it); the rest is dropped`]);

    // Damaged: a byte of the second chunk's readings changed (its checksum no longer matches).
    const bytes = readFileSync(path);
    bytes[chunk + 12 + 5] = bytes[chunk + 12 + 5]! ^ 0xff;
    writeFileSync(path, bytes);
    queue = new ReadingQueue();
    expect(ReadingJournal.open(db).recover(queue, log)).toBe(2);
    expect(contents(queue).map((r) => r[1])).toEqual([0, 1]);
    expect(files()).toEqual(['timeseries.db.pending-1']);
  });

  it('throws when the disk refuses a write, and writes the next chunk to a new file rather than behind a torn one', () => {
    const { db, dir, files } = setup();
    const journal = ReadingJournal.open(db);
    // The first file is Linux's always-full device: every write fails with ENOSPC.
    symlinkSync('/dev/full', join(dir, 'timeseries.db.pending-1'));
    expect(() => journal.write(queueOf([[1, 1, 1]]).view(0, 1))).toThrow(/ENOSPC/);
    journal.write(queueOf([[1, 1, 1], [2, 2, 2]]).view(0, 2));
    journal.close();
    expect(files()).toEqual(['timeseries.db.pending-1', 'timeseries.db.pending-2']);
    const read: number[] = [];
    expect(readChunks(readFileSync(join(dir, 'timeseries.db.pending-2')), (entity) => void read.push(entity))).toEqual({ readings: 2, intact: true });
    expect(read).toEqual([1, 2]);
    // Sealed by the failure: the next commit's success removes it (the link, not the device).
    journal.committed();
    expect(files()).toEqual(['timeseries.db.pending-2']);
  });

  it('ignores files of other databases and names that only look alike', () => {
    const { db, log, dir } = setup();
    writeFileSync(join(dir, 'other.db.pending-1'), 'x');
    writeFileSync(join(dir, 'timeseries.db.pending-x'), 'x');
    const queue = new ReadingQueue();
    expect(ReadingJournal.open(db).recover(queue, log)).toBe(0);
    expect(queue.length).toBe(0);
  });
});
