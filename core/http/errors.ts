import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every API error has the same shape: `{"error": {"code": "...", "message": "..."}}`. */
export function apiError(status: ContentfulStatusCode, code: string, message: string): HTTPException {
  return new HTTPException(status, { res: Response.json({ error: { code, message } }, { status }) });
}

export const notFound = (what: string) => apiError(404, 'not_found', what);
export const badRequest = (message: string) => apiError(400, 'bad_request', message);

export function onApiError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return error.getResponse();
  console.error(error);
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}
