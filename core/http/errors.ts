import type { Context } from 'hono';
import type { Logger } from 'pino';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One thing wrong with a request: where (`body`, `query`), the JSON pointer inside it, and what. */
export interface Problem {
  in: 'body' | 'query';
  /** JSON pointer, e.g. `/name` or `/items/0/value`; '' for the whole body */
  path: string;
  message: string;
}

/** Every API error has the same shape: `{"error": {"code": "...", "message": "...", "details"?: [...]}}`. */
export function apiError(status: ContentfulStatusCode, code: string, message: string, details?: Problem[]): HTTPException {
  const error = details ? { code, message, details } : { code, message };
  return new HTTPException(status, { res: Response.json({ error }, { status }) });
}

export const notFound = (what: string) => apiError(404, 'not_found', what);
export const badRequest = (message: string) => apiError(400, 'bad_request', message);
export const conflict = (message: string) => apiError(409, 'conflict', message);

/** 400 listing every problem of the request, each with its JSON path. */
export function invalidRequest(problems: Problem[]): HTTPException {
  const summary = problems.map((p) => `${p.in}${p.path ? ` ${p.path}` : ''}: ${p.message}`).join('; ');
  return apiError(400, 'invalid_request', `invalid request: ${summary}`, problems);
}

/** The app's error handler: API errors as they are, anything else logged and answered as a bare 500 (no internals leak). */
export function apiErrorHandler(log: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof HTTPException) return error.getResponse();
    log.error({ err: error, method: c.req.method, path: c.req.path }, `${c.req.method} ${c.req.path} failed: ${error.message}`);
    return apiError(500, 'internal', 'internal error').getResponse();
  };
}
