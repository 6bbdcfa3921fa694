/**
 * What every HTTP answer carries and every request is held to: security
 * headers, CORS (only for the origins the config names) and a body size limit.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import { apiError } from './errors.ts';

export interface SecurityOptions {
  /** `http.cors_origins`: browser origins allowed to call the API; none by default */
  corsOrigins: readonly string[];
  /** `http.max_body_kb` */
  maxBodyKb: number;
}

export function applySecurity(app: Hono<any>, options: SecurityOptions): void {
  app.use('*', headers());
  if (options.corsOrigins.length > 0) {
    // Before any auth check: a preflight carries no credentials and must still be answered.
    app.use(
      '*',
      cors({
        origin: [...options.corsOrigins],
        credentials: true,
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Last-Event-ID'],
        exposeHeaders: ['ETag'],
        maxAge: 600,
      }),
    );
  }
  app.use('*', limitBody(options.maxBodyKb));
}

/**
 * nosniff, no framing (X-Frame-Options and frame-ancestors), no referrer, and
 * a CSP that lets pages run only scripts and styles from the hub itself or
 * inline ones carrying this response's nonce (see `withNonce`). No HSTS: the
 * hub speaks plain HTTP; HSTS belongs to a TLS proxy in front of it.
 */
function headers(): MiddlewareHandler {
  return secureHeaders({
    strictTransportSecurity: false,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      styleSrc: ["'self'", NONCE],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}

/** Adds this response's CSP nonce to the page's inline `<script>` and `<style>` elements. */
export function withNonce(c: Context, html: string): string {
  const nonce = c.get('secureHeadersNonce') as string;
  return html.replace(/<(script|style)\b/gi, `<$1 nonce="${nonce}"`);
}

function limitBody(maxKb: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxKb * 1024,
    onError: () => apiError(413, 'payload_too_large', `request body is larger than ${maxKb} KiB (the limit is http.max_body_kb in the config)`).getResponse(),
  });
}
