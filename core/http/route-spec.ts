/**
 * Route specs: what a route takes and answers, written once as JSON Schema.
 * `spec({...})` is a Hono middleware placed before the handler:
 *
 *   .patch('/:id', spec({ summary: 'Rename a device', body: {...}, responses: {...} }), (c) => {
 *     const { name } = c.req.valid('json');   // typed from the schema, validated, defaults filled
 *   })
 *
 * The same object validates the request (validate-request.ts) and describes
 * the route in `/api/openapi.json` (openapi.ts), which walks the app's routes
 * and picks up every handler that carries a spec.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { findTargetHandler } from 'hono/utils/handler';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { validateRequest } from './validate-request.ts';

/** A JSON Schema object (not the `true`/`false` shorthands). */
export type Schema = Exclude<JSONSchema, boolean>;

export interface ResponseSpec {
  description: string;
  /** JSON Schema of the body */
  schema?: Schema;
  /** when not `application/json`, e.g. `text/csv` */
  contentType?: string;
}

export interface RouteSpec {
  /** one line, imperative: "Rename a device or move it to a room" */
  summary: string;
  description?: string;
  /** by default the path segment after `/api/` (`devices`, `states`, …) */
  tags?: readonly string[];
  /** the query string, as an object schema; `additionalProperties: false` rejects unknown parameters by name */
  query?: Schema;
  /** the JSON body; a request without it gets a 400, one that is not JSON a 415 */
  body?: Schema;
  /** the body may be left out; it is then validated as `{}` (so the schema's defaults apply) */
  bodyOptional?: boolean;
  /** media types accepted besides JSON; the handler reads such a body with `c.req.text()` */
  textBody?: readonly string[];
  /** by status code; 400/401/403/413/415 are added to the document where they apply */
  responses: Readonly<Record<number, ResponseSpec>>;
}

type Validated<S, K extends 'query' | 'body'> = S extends { readonly [key in K]: infer X extends JSONSchema } ? FromSchema<X> : never;

/** What `c.req.valid(...)` returns in the handler after `spec(S)`. */
export type SpecInput<S extends RouteSpec> = { in: object; out: { query: Validated<S, 'query'>; json: Validated<S, 'body'> } };

const ROUTE_SPEC = Symbol('hearth.route-spec');

export type SpecMiddleware<S extends RouteSpec> = MiddlewareHandler<any, string, SpecInput<S>> & { readonly [ROUTE_SPEC]: S };

/** Declares a route (see the module comment); the `const` parameter keeps the schema literal so the validated input is typed. */
export function spec<const S extends RouteSpec>(routeSpec: S): SpecMiddleware<S> {
  const middleware = validateRequest(routeSpec);
  Object.defineProperty(middleware, ROUTE_SPEC, { value: routeSpec });
  return middleware as SpecMiddleware<S>;
}

/** The spec a handler carries; also through the wrapper Hono puts around routes of a sub-app with its own error handler. */
export function specOf(handler: Function): RouteSpec | undefined {
  return (findTargetHandler(handler) as { [ROUTE_SPEC]?: RouteSpec })[ROUTE_SPEC];
}

export interface DocumentedRoute {
  /** GET, POST, …, or ALL for a catch-all */
  method: string;
  /** Hono pattern, e.g. `/api/devices/:id` */
  path: string;
  spec: RouteSpec;
}

/** Every route of the app that declared a spec, in registration order. */
export function documentedRoutes(app: Hono<any>): DocumentedRoute[] {
  return app.routes.flatMap(({ method, path, handler }) => {
    const found = specOf(handler);
    return found ? [{ method, path, spec: found }] : [];
  });
}

/**
 * The pattern of the route that answers this request (`/api/devices/:id`), for
 * labels that must not grow with every id; `unmatched` when no declared route
 * matches. Routes are matched before any handler runs, so this holds even for a
 * request a middleware turned away (401, 413).
 */
export function routePattern(c: Context): string {
  return matchedRoutes(c).find((route) => specOf(route.handler))?.path ?? 'unmatched';
}
