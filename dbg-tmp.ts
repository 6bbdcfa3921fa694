import pino from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTimeSeries } from './core/store/sqlite-timeseries.ts';
const DAY = 86_400_000, END = Date.UTC(2026, 5, 1), START = END - 30 * DAY;
const file = join(mkdtempSync(join(tmpdir(), 'dbg-')), 'ts.db');
const store = await SqliteTimeSeries.open({ file, log: pino({ level: 'silent' }) }); await new Promise((r) => setTimeout(r, 100));
for (let s = 0; START + s * 1000 < END; s++) { store.append({ entity: 1, ts: START + s * 1000, value: 20 + (s % 1000) / 100 }); if (s % 10000 === 0) await store.flush(); }
await store.flush();
const db = (store as any).sqlite;
const origPrepare = db.prepare.bind(db);
// time each DELETE
const times: Array<[number, number]> = [];
const del = origPrepare('SELECT 1');
const hrt = () => performance.now();
const wal = () => { try { return require('fs').statSync(file + '-wal').size } catch { return 0 } };
import { statSync } from 'node:fs';
const t0 = hrt();
let n = 0;
const bound = END - 10 * DAY;
for (;;) {
  const a = hrt();
  const end = origPrepare('SELECT ts FROM readings WHERE entity = 1 AND ts < ? ORDER BY ts LIMIT 1 OFFSET 1999').pluck().get(bound);
  const b = hrt();
  if (end === undefined) break;
  origPrepare('DELETE FROM readings WHERE entity = 1 AND ts <= ?').run(end);
  const c = hrt();
  times.push([b - a, c - b]);
  if (c - b > 2) console.log('slow chunk', n, (b - a).toFixed(2), (c - b).toFixed(2), 'wal', statSync(file + '-wal').size);
  n++; await new Promise((r) => setImmediate(r));
}
console.log('chunks', n, 'total', (hrt() - t0).toFixed(0), 'max delete', Math.max(...times.map((t) => t[1])).toFixed(2), 'max select', Math.max(...times.map((t) => t[0])).toFixed(2));
await store.close();
