/**
 * `/api/openapi.json`: an OpenAPI 3.1 document built from the route specs the
 * app serves, the same schema objects that validate requests (OpenAPI 3.1
 * takes JSON Schema as it is), with who may call each route from the access
 * policy. Built on first request, when every route is in.
 */
import { Hono } from 'hono';
import { requiredAccess, ROUTE_METHODS } from './access-policy.ts';
import { ErrorBody, schemaName } from './api-schema.ts';
import { documentedRoutes, spec, type RouteSpec, type Schema } from './route-spec.ts';

export interface OpenApiOptions {
  version: string;
  /** the session cookie set at login */
  cookieName: string;
}

const TAGS: Record<string, string> = {
  health: 'Whether the hub works',
  auth: 'Login and logout',
  users: 'People who use the API',
  profile: 'Your own profile and password',
  tokens: 'Long-lived API tokens',
  devices: 'Devices, their MQTT accounts, names and rooms',
  'pending-devices': 'Devices waiting for approval',
  entities: 'The values a device has, and commands to them',
  states: 'Current values',
  history: 'Past values',
  events: 'The event log',
  rooms: 'Rooms',
  statistics: 'Consumption per period',
  pairing: 'The pairing window',
  plugins: "Plugins and each plugin's own routes",
  config: 'Configuration checks',
  stream: 'Live events',
  ws: 'Live events over a WebSocket',
  meta: 'This document, metrics and the status page',
};

export function openApiRoutes(app: Hono<any>, options: OpenApiOptions): Hono {
  let document: object | undefined;
  return new Hono().get(
    '/',
    spec({
      summary: 'This API description (OpenAPI 3.1)',
      tags: ['meta'],
      responses: { 200: { description: 'the OpenAPI document', schema: { type: 'object' } } },
    }),
    // The router is fixed once the first request is served, so one build holds for the app's life.
    (c) => c.json((document ??= openApiDocument(app, options))),
  );
}

function openApiDocument(app: Hono<any>, options: OpenApiOptions): object {
  const components: Record<string, unknown> = {};
  const paths: Record<string, Record<string, object>> = {};
  const tags = new Set<string>();
  for (const route of documentedRoutes(app)) {
    const { template, params } = openApiPath(route.path);
    const operationTags = route.spec.tags ?? [defaultTag(route.path)];
    operationTags.forEach((tag) => tags.add(tag));
    for (const method of route.method === 'ALL' ? ROUTE_METHODS.map((m) => m.toLowerCase()) : [route.method.toLowerCase()]) {
      const access = requiredAccess(method.toUpperCase(), route.path);
      (paths[template] ??= {})[method] = operation(route.spec, { method, path: route.path, params, tags: operationTags, access }, components);
    }
  }
  // Referred to by the error responses every operation gets.
  components.Error ??= withRefs(ErrorBody, components, true);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth API',
      version: options.version,
      description: 'Devices, entities, states, history and events of a Hearth hub. Errors are `{"error": {"code", "message", "details"?}}`.',
    },
    tags: [...tags].sort().map((name) => (TAGS[name] ? { name, description: TAGS[name] } : { name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'a login JWT or an API token' },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: options.cookieName, description: 'set by POST /api/auth/login' },
      },
    },
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
  };
}

interface OperationContext {
  method: string;
  path: string;
  params: { name: string; description?: string }[];
  tags: readonly string[];
  access: string;
}

function operation(spec: RouteSpec, at: OperationContext, components: Record<string, unknown>): object {
  const schema = (s: Schema) => withRefs(s, components, false);
  const parameters = [
    ...at.params.map(({ name, description }) => ({ name, in: 'path', required: true, schema: { type: 'string' }, ...(description ? { description } : {}) })),
    ...Object.entries(objectProperties(spec.query)).map(([name, property]) => ({
      name,
      in: 'query',
      required: requiredOf(spec.query).includes(name),
      schema: schema(property),
      ...(typeof property === 'object' && 'description' in property ? { description: property.description } : {}),
    })),
  ];
  const errorBody = { $ref: '#/components/schemas/Error' };
  const responses: Record<string, object> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const contentType = response.contentType ?? 'application/json';
    const json = contentType === 'application/json';
    // Without a schema: an error answers the error shape, a success in JSON nothing (204, 304), other types text.
    const body = response.schema ? schema(response.schema) : !json ? { type: 'string' } : Number(status) >= 400 ? errorBody : undefined;
    responses[status] = { description: response.description, ...(body ? { content: { [contentType]: { schema: body } } } : {}) };
  }
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorBody } } });
  if (spec.query || spec.body) responses['400'] ??= error('invalid request: every problem, with its JSON path');
  const open = at.access === 'public';
  if (!open) {
    responses['401'] ??= error('no token, or a bad or revoked one');
    if (at.access !== 'viewer') responses['403'] ??= error(`the role of the token is below ${at.access}`);
  }
  if (spec.body) {
    responses['413'] ??= error('body larger than http.max_body_kb');
    responses['415'] ??= error('body not sent as application/json');
  }
  return {
    operationId: operationId(at.method, at.path),
    summary: spec.summary,
    description: [spec.description, open ? 'No token needed.' : `Needs the role ${at.access}${at.access === 'admin' ? '' : ' or higher'}.`].filter(Boolean).join('\n\n'),
    tags: at.tags,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body ? { requestBody: requestBody(spec, schema(spec.body)) } : {}),
    responses,
    ...(open ? { security: [] } : {}),
  };
}

function requestBody(spec: RouteSpec, json: unknown): object {
  const content: Record<string, object> = { 'application/json': { schema: json } };
  for (const mediaType of spec.textBody ?? []) content[mediaType] = { schema: { type: 'string' } };
  return { required: !spec.bodyOptional, content };
}

/** `/api/devices/:id` → `/api/devices/{id}`; a trailing `*` (a plugin's own routes) becomes `{path}`. */
function openApiPath(path: string): { template: string; params: OperationContext['params'] } {
  const params: OperationContext['params'] = [];
  const template = path
    .split('/')
    .map((segment) => {
      if (segment === '*') {
        params.push({ name: 'path', description: 'the rest of the path, handled by the plugin' });
        return '{path}';
      }
      const param = /^:([A-Za-z0-9_]+)/.exec(segment);
      if (!param) return segment;
      params.push({ name: param[1]! });
      return `{${param[1]}}`;
    })
    .join('/');
  return { template: template || '/', params };
}

/** `GET /api/devices/:id/credentials` → `getDevicesByIdCredentials`. */
function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment && segment !== 'api')
    .map((segment) => (segment === '*' ? 'ByPath' : segment.startsWith(':') ? `By_${segment.slice(1).replace(/\{.*$/, '')}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method + (words.length > 0 ? words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('') : 'Root');
}

function defaultTag(path: string): string {
  const [, first, second] = path.split('/');
  return first === 'api' && second && !second.includes('.') ? second : 'meta';
}

function objectProperties(schema: Schema | undefined): Record<string, Schema> {
  return (schema && 'properties' in schema ? (schema.properties as Record<string, Schema>) : undefined) ?? {};
}

function requiredOf(schema: Schema | undefined): readonly string[] {
  return (schema && 'required' in schema ? schema.required : undefined) ?? [];
}

/** A copy of `schema` in which every `named()` schema below the top is a `$ref`, its body put once into `components`. */
function withRefs(schema: unknown, components: Record<string, unknown>, top: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item, components, false));
  if (schema === null || typeof schema !== 'object') return schema;
  const name = top ? undefined : schemaName(schema);
  if (name) {
    if (components[name] === undefined) {
      components[name] = {}; // claimed first, so a schema that contains itself ends
      components[name] = withRefs(schema, components, true);
    }
    return { $ref: `#/components/schemas/${name}` };
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, components, false)]));
}
