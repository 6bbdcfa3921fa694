import { Hono } from 'hono';
import type { PairingWindow } from '../../auth/pairing.ts';
import { badRequest } from '../errors.ts';
import { iso } from '../serialize.ts';

/** `POST /api/pairing {"minutes": 5}` opens the pairing window and returns its key once; `GET` shows it; `DELETE` shuts it. */
export function pairingRoutes(pairing: PairingWindow): Hono {
  return new Hono()
    .get('/', async (c) => {
      const until = await pairing.openUntil();
      return c.json({ open: until !== null, until: iso(until) });
    })
    .post('/', async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw badRequest('body: expected JSON such as {"minutes": 5}');
      }
      const minutes = (body as { minutes?: unknown } | null)?.minutes ?? 5;
      try {
        const { key, until } = await pairing.open(minutes as number);
        return c.json({ key, until: iso(until) }, 201);
      } catch (error) {
        throw badRequest(`body.${(error as Error).message}`);
      }
    })
    .delete('/', async (c) => {
      await pairing.close();
      return c.body(null, 204);
    });
}
