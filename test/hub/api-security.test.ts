import { afterEach, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

const DASHBOARD = 'http://dash.lan:3000';

/** The test hub's base config with CORS for the dashboard's origin. */
const WITH_CORS = `
http: { host: 127.0.0.1, port: 0, cors_origins: ['${DASHBOARD}'] }
mqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }
`;

const preflight = (hub: TestHub, origin: string) =>
  fetch(`${hub.api}/api/devices/x`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' },
  });

/** CSP directives by name: `script-src 'self' 'nonce-abc'` → {'script-src': ["'self'", "'nonce-abc'"]}. */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(
    csp.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('security headers, CORS and limits', () => {
  let hub: TestHub;
  afterEach(() => hub?.stop());

  it('serves the status page with a CSP that allows exactly its own inline script and style', async () => {
    hub = await startHub();
    const page = await fetch(`${hub.api}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = directives(page.headers.get('content-security-policy')!);
    const nonce = csp['script-src']!.find((v) => v.startsWith("'nonce-"))!.slice(7, -1);
    expect(nonce.length).toBeGreaterThanOrEqual(16);
    expect(csp['style-src']).toContain(`'nonce-${nonce}'`);
    expect(csp['script-src']).not.toContain("'unsafe-inline'");
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);

    // Every inline script and style carries the nonce; nothing else runs inline: the policy would block
    // handlers and styles in attributes and javascript: links.
    const inline = [...html.matchAll(/<(script|style)\b([^>]*)>/gi)];
    expect(inline.map((m) => m[1]!.toLowerCase())).toEqual(expect.arrayContaining(['script', 'style']));
    for (const [, , attributes] of inline) expect(attributes).toContain(`nonce="${nonce}"`);
    const markup = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '');
    const tags = [...markup.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThan(5);
    expect(tags.filter((tag) => /\s(on[a-z]+|style)\s*=|javascript:/i.test(tag))).toEqual([]);

    // A fresh nonce for each answer.
    const again = await fetch(`${hub.api}/`);
    await again.text();
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);
  });

  it('sends the security headers with every answer: pages, JSON, errors', async () => {
    hub = await startHub();
    for (const path of ['/', '/api/devices', '/api/devices/nope', '/api/nothing', '/metrics']) {
      const response = await fetch(hub.api + path);
      await response.arrayBuffer();
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      // The hub speaks plain HTTP: HSTS is for a TLS proxy in front of it to send.
      expect(response.headers.get('strict-transport-security'), path).toBeNull();
    }
    const refused = await call(hub, 'PATCH', '/api/devices/x', 'x', { 'content-type': 'text/plain' });
    expect(refused.status).toBe(415);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers no CORS unless http.cors_origins is configured', async () => {
    hub = await startHub();
    const response = await preflight(hub, DASHBOARD);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await call(hub, 'GET', '/api/devices', undefined, { origin: DASHBOARD });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the configured origins, and only those, call the API with credentials', async () => {
    hub = await startHub({ base: WITH_CORS });
    const allowed = await preflight(hub, DASHBOARD);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')?.split(',')).toContain('PATCH');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type']));

    const get = await call(hub, 'GET', '/api/states', undefined, { origin: DASHBOARD });
    expect(get.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(get.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(get.headers.get('vary')).toContain('Origin');

    const other = await preflight(hub, 'http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await call(hub, 'GET', '/api/devices', undefined, { origin: 'http://evil.example' })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a CORS origin with a path in the config', async () => {
    await expect(startHub({ base: WITH_CORS.replace(DASHBOARD, `${DASHBOARD}/app`) })).rejects.toThrow(/http\.cors_origins\[0\]: must match pattern/);
  });
});
