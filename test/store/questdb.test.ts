import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { QuestDbTimeSeries } from '../../core/store/questdb-timeseries.ts';
import { closedPort } from '../support/ports.ts';
import { storeContract } from './contract.ts';

/**
 * The shared store contract against a real QuestDB, when HEARTH_QUESTDB_URL
 * names one (e.g. postgresql://admin:quest@127.0.0.1:8812/qdb; see
 * docs/questdb.md). Each store gets tables of its own, dropped at the end.
 * The tests below the contract need no server.
 */
const url = process.env.HEARTH_QUESTDB_URL;
const log = pino({ level: 'silent' });
const run = `hearth_test_${Date.now().toString(36)}_${process.pid}`;
const tables: string[] = [];

// Registered only with a server: describe.runIf would list every contract test as skipped instead.
if (url) {
  describe('QuestDB at HEARTH_QUESTDB_URL', () => {
    afterAll(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // https://questdb.com/docs/query/sql/drop/
        for (const t of tables) for (const name of [t, `${t}_horizons`]) await client.query(`DROP TABLE IF EXISTS ${name}`);
      } finally {
        await client.end();
      }
    });

    storeContract('questdb', async () => {
      const table = `${run}_${tables.length}`;
      tables.push(table);
      const open = () => QuestDbTimeSeries.open({ url: url!, log, table });
      return { store: await open(), reopen: open };
    });
  });
}

it('says whether the QuestDB contract tests ran', () => {
  if (!url) {
    console.warn(
      'QuestDB contract tests were NOT run: HEARTH_QUESTDB_URL is not set and no QuestDB server can be installed here. ' +
        'Set it to a QuestDB PGWire URL (see docs/questdb.md) to run them.',
    );
  }
  expect(url === undefined || /^postgres(ql)?:\/\//.test(url)).toBe(true);
});

/** A server that accepts connections and never answers, like a host that went away mid-conversation. */
async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('QuestDB store without a server', () => {
  const reading = { entity: 1, ts: Date.UTC(2026, 2, 2), value: 1 };

  it('opens anyway when the connection is refused, says why, queues readings and closes in time', async () => {
    const port = await closedPort();
    const started = Date.now();
    const store = await QuestDbTimeSeries.open({ url: `postgresql://admin:quest@127.0.0.1:${port}/qdb`, log, closeTimeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(store.health()).toMatchObject({ backend: 'questdb', status: 'error', pending: 0, written: 0, error: expect.stringContaining('ECONNREFUSED') });

    store.append(reading);
    store.append({ ...reading, ts: reading.ts + 1000 });
    store.append({ ...reading, value: Number.NaN }); // refused, not queued
    await store.flush(); // never rejects: the failure is in health()
    expect(store.health()).toMatchObject({ status: 'error', pending: 2, written: 0 });
    await expect(store.history({ entity: 1, from: reading.ts, to: reading.ts + 1000, points: 10 })).rejects.toThrow(/ECONNREFUSED/);

    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(1500);
  });

  it('bounds open and close by their timeouts when the server accepts but never answers', async () => {
    const server = await silentServer();
    try {
      const started = Date.now();
      const store = await QuestDbTimeSeries.open({
        url: `postgresql://admin:quest@127.0.0.1:${server.port}/qdb`,
        log,
        connectTimeoutMs: 300,
        closeTimeoutMs: 600,
      });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(store.health()).toMatchObject({ status: 'error', error: expect.stringMatching(/timeout/i) });
      store.append(reading);
      const closing = Date.now();
      await store.close();
      expect(Date.now() - closing).toBeLessThan(1500);
      expect(store.health().pending).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('keeps at most maxQueue readings while QuestDB is away, dropping the oldest', async () => {
    const store = await QuestDbTimeSeries.open({ url: `postgresql://admin:quest@127.0.0.1:${await closedPort()}/qdb`, log, maxQueue: 3, closeTimeoutMs: 200 });
    for (let i = 0; i < 5; i++) store.append({ ...reading, ts: reading.ts + i });
    await store.flush();
    expect(store.health()).toMatchObject({ pending: 3, error: expect.stringContaining('2 oldest readings dropped') });
    await store.close();
  });
});
