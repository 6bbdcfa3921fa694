import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { allPages, call } from './api-helpers.ts';

const API = resolve('core/plugin-api.ts');

/** A plugin that logs `n` events when asked, as fast as the event log takes them (many share one millisecond). */
const TICKER = {
  'plugins/ticker/index.ts': `
    import { definePlugin } from '${API}';
    export default definePlugin({
      id: 'ticker', version: '1.0.0', hub: '^1.0.0',
      setup(ctx) {
        let next = 0;
        ctx.http.post('/tick/:n', (c) => {
          for (let i = 0; i < Number(c.req.param('n')); i++) ctx.events.record({ type: 'ticker.tick', data: { n: next++ } });
          return c.json({ next });
        });
      },
    });`,
};

describe('list pagination', () => {
  let hub: TestHub;
  afterEach(() => hub?.stop());

  it('pages devices by id; devices added meanwhile never shift a page', async () => {
    hub = await startHub();
    for (const id of ['b', 'd', 'f', 'h', 'j']) expect((await call(hub, 'POST', '/api/devices', { id })).status).toBe(201);

    const first = await call(hub, 'GET', '/api/devices?limit=2');
    expect(first.body.items.map((d: { id: string }) => d.id)).toEqual(['b', 'd']);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    // Added before and after the cursor, and one removed, between two page requests.
    await call(hub, 'POST', '/api/devices', { id: 'a' });
    await call(hub, 'POST', '/api/devices', { id: 'e' });
    await call(hub, 'DELETE', '/api/devices/f');
    const second = await call(hub, 'GET', `/api/devices?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((d: { id: string }) => d.id)).toEqual(['e', 'h']);
    const third = await call(hub, 'GET', `/api/devices?limit=2&cursor=${second.body.next_cursor}`);
    expect(third.body).toEqual({ items: [expect.objectContaining({ id: 'j' })], next_cursor: null });

    expect((await allPages(hub, '/api/devices?limit=1')).map((d) => d.id)).toEqual(['a', 'b', 'd', 'e', 'h', 'j']);
    expect((await call(hub, 'GET', '/api/devices')).body.items).toHaveLength(6);
  });

  it('pages the event log newest first; events logged meanwhile neither shift nor repeat', async () => {
    const dir = tempDir();
    writeFiles(dir, TICKER);
    hub = await startHub({ dir, yaml: 'plugins: { ticker: {} }' });
    await call(hub, 'POST', '/api/plugins/ticker/tick/7');

    const first = await call(hub, 'GET', '/api/events?type=ticker.tick&limit=3');
    expect(first.body.items.map((e: { data: { n: number } }) => e.data.n)).toEqual([6, 5, 4]);
    await call(hub, 'POST', '/api/plugins/ticker/tick/5');
    const rest = await allPages(hub, '/api/events?type=ticker.tick&limit=3', first.body.next_cursor);
    expect(rest.map((e) => e.data.n)).toEqual([3, 2, 1, 0]);
    expect((await allPages(hub, '/api/events?type=ticker.tick&limit=5')).map((e) => e.data.n)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('pages every list with the same limit and cursor, and refuses a cursor of another list', async () => {
    hub = await startHub();
    for (const name of ['Attic', 'Cellar', 'Bedroom']) await call(hub, 'POST', '/api/rooms', { name });
    const rooms = await call(hub, 'GET', '/api/rooms?limit=2');
    expect(rooms.body.items.map((r: { name: string }) => r.name)).toEqual(['Attic', 'Bedroom']);
    expect((await allPages(hub, '/api/rooms?limit=1')).map((r) => r.name)).toEqual(['Attic', 'Bedroom', 'Cellar']);
    for (const path of ['/api/devices', '/api/entities', '/api/states', '/api/plugins', '/api/events']) {
      expect((await call(hub, 'GET', path)).body, path).toEqual({ items: expect.any(Array), next_cursor: null });
    }

    const foreign = await call(hub, 'GET', `/api/devices?cursor=${rooms.body.next_cursor}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([
      { in: 'query', path: '/cursor', message: 'is not a cursor of devices: pass next_cursor of the previous page as it was given' },
    ]);
    expect((await call(hub, 'GET', '/api/events?cursor=bm9wZQ')).status).toBe(400);
    expect((await call(hub, 'GET', '/api/rooms?limit=1001')).body.error.details).toEqual([{ in: 'query', path: '/limit', message: 'must be <= 1000' }]);
    expect((await call(hub, 'GET', '/api/rooms?limit=0')).body.error.details).toEqual([{ in: 'query', path: '/limit', message: 'must be >= 1' }]);
  });
});
