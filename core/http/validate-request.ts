/**
 * Checks a request against its route's JSON Schemas before the handler runs:
 * the query string and the JSON body. Every problem is collected (ajv
 * `allErrors`) and answered in one 400 with the JSON path of each; the
 * validated values, with the schemas' defaults filled in, are what the
 * handler reads through `c.req.valid('query')` / `c.req.valid('json')`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Context, MiddlewareHandler } from 'hono';
import { createAjv } from '../config/ajv.ts';
import { unknownKeyMessage } from '../config/errors.ts';
import { apiError, invalidRequest, type Problem } from './errors.ts';
import type { RouteSpec } from './route-spec.ts';

// verbose: an additionalProperties error then carries its schema, so the message can list the allowed keys.
const bodyAjv = createAjv({ verbose: true });
// Query values arrive as text: `limit=50` must pass as the integer 50 and `include_hidden=true` as true.
const queryAjv = createAjv({ verbose: true, coerceTypes: true });

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

export function validateRequest(spec: RouteSpec): MiddlewareHandler {
  const query = spec.query && queryAjv.compile(spec.query);
  const body = spec.body && bodyAjv.compile(spec.body);
  return async function validateRequest(c, next) {
    const problems: Problem[] = [];
    if (query) {
      const value = queryObject(c);
      if (!query(value)) problems.push(...describe('query', query));
      c.req.addValidatedData('query', value);
    }
    if (body) {
      const value = await readBody(c, spec);
      if (value !== TEXT_BODY) {
        if (!body(value)) problems.push(...describe('body', body));
        c.req.addValidatedData('json', value as object);
      }
    }
    if (problems.length > 0) throw invalidRequest(problems);
    await next();
  };
}

/** Marks a body sent as one of the route's `textBody` media types: the handler reads it as text. */
const TEXT_BODY = Symbol('text body');

/** `a=1&b=2&b=3` → `{a: '1', b: ['2', '3']}`: a repeated parameter is a list, which a schema for one value rejects. */
function queryObject(c: Context): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

/** `Application/JSON; charset=utf-8` → `application/json`; '' when there is no Content-Type. */
export function mediaTypeOf(c: Context): string {
  return c.req.header('content-type')?.split(';')[0]!.trim().toLowerCase() ?? '';
}

async function readBody(c: Context, spec: RouteSpec): Promise<unknown> {
  const contentType = c.req.header('content-type');
  const mediaType = mediaTypeOf(c);
  if (spec.textBody?.includes(mediaType)) return TEXT_BODY;
  const text = await c.req.text();
  if (text.trim() === '') {
    if (spec.bodyOptional) return {};
    throw apiError(400, 'invalid_request', 'request body is empty: expected a JSON object', [{ in: 'body', path: '', message: 'is required' }]);
  }
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    const accepted = ['application/json', ...(spec.textBody ?? [])].join(' or ');
    const got = contentType ? `Content-Type ${mediaType}` : 'no Content-Type';
    throw apiError(415, 'unsupported_media_type', `${got}: send the body as ${accepted} (curl: --json '{…}' or -H 'Content-Type: application/json')`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiError(400, 'invalid_json', `request body is not valid JSON: ${jsonProblem((error as Error).message, text)}`);
  }
}

/** V8 gives a character offset for some mistakes ("at position 11"): turn it into the line and column an editor shows. */
function jsonProblem(message: string, text: string): string {
  return message.replace(/ at position (\d+)/, (_, offset: string) => {
    const before = text.slice(0, Number(offset)).split('\n');
    return ` at line ${before.length}, column ${before.at(-1)!.length + 1}`;
  });
}

/** By path, so problems read in the order of the keys, whatever order the schema checks them in. */
function describe(where: Problem['in'], validate: ValidateFunction): Problem[] {
  return (validate.errors ?? []).map((error) => problem(where, error)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function problem(where: Problem['in'], error: ErrorObject): Problem {
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { in: where, path: `${at}/${pointerEscape(String(error.params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      return { in: where, path: `${at}/${pointerEscape(key)}`, message: unknownKeyMessage(key, allowed) };
    }
    case 'enum':
      return { in: where, path: at, message: `must be one of: ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { in: where, path: at, message: error.message ?? `fails "${error.keyword}"` };
  }
}

/** RFC 6901: `~` and `/` inside a key. */
function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
