import { Hono } from 'hono';
import { MAX_PAIRING_MINUTES, type PairingWindow } from '../../auth/pairing.ts';
import { nullableDateTime } from '../api-schema.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';

const until = { ...nullableDateTime, description: 'when the window shuts' } as const;

const show = spec({
  summary: 'Show whether the pairing window is open',
  responses: { 200: { description: 'the window', schema: { type: 'object', required: ['open', 'until'], properties: { open: { type: 'boolean' }, until } } } },
});

const open = spec({
  summary: 'Open the pairing window',
  description: 'New devices may join with the key until it shuts; the key is shown this once.',
  body: {
    type: 'object',
    additionalProperties: false,
    properties: { minutes: { type: 'integer', minimum: 1, maximum: MAX_PAIRING_MINUTES, default: 5 } },
  },
  bodyOptional: true,
  responses: {
    201: { description: 'the key and when the window shuts', schema: { type: 'object', required: ['key', 'until'], properties: { key: { type: 'string' }, until } } },
  },
});

const shut = spec({ summary: 'Shut the pairing window', responses: { 204: { description: 'shut' } } });

export function pairingRoutes(pairing: PairingWindow): Hono {
  return new Hono()
    .get('/', show, async (c) => {
      const openUntil = await pairing.openUntil();
      return c.json({ open: openUntil !== null, until: iso(openUntil) });
    })
    .post('/', open, async (c) => {
      const { key, until: shutsAt } = await pairing.open(c.req.valid('json').minutes);
      return c.json({ key, until: iso(shutsAt) }, 201);
    })
    .delete('/', shut, async (c) => {
      await pairing.close();
      return c.body(null, 204);
    });
}
