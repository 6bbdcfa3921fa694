import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { spec } from '../route-spec.ts';
import { withNonce } from '../security.ts';

const page = spec({
  summary: 'The status page',
  tags: ['meta'],
  responses: { 200: { description: 'HTML; it reads the API with the visitor’s session', contentType: 'text/html' } },
});

/** `/`: ui/index.html, read on each request so an edited page shows at once; its inline script and style get the CSP nonce. */
export function uiRoutes(uiDir: string): Hono {
  return new Hono().get('/', page, async (c) => c.html(withNonce(c, await readFile(join(uiDir, 'index.html'), 'utf8'))));
}
