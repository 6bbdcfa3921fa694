import type { Context } from 'hono';
import type { Logger } from 'pino';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every API error has the same shape: `{"error": {"code": "...", "message": "..."}}`. */
export function apiError(status: ContentfulStatusCode, code: string, message: string): HTTPException {
  return new HTTPException(status, { res: Response.json({ error: { code, message } }, { status }) });
}

export const notFound = (what: string) => apiError(404, 'not_found', what);
export const badRequest = (message: string) => apiError(400, 'bad_request', message);

/** The app's error handler: API errors as they are, anything else logged and answered as a bare 500 (no internals leak). */
export function apiErrorHandler(log: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HTTPException) return error.getResponse();
    log.error({ err: error, method: c.req.method, path: c.req.path }, `${c.req.method} ${c.req.path} failed: ${error.message}`);
    return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
  };
}
