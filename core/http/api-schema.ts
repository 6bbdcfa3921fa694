/**
 * JSON Schemas of what the API answers, shared by the route specs. A schema
 * made with `named()` appears once under `components.schemas` in
 * /api/openapi.json and is referred to by name everywhere else.
 */
import type { Schema } from './route-spec.ts';

const names = new Map<object, string>();

export function named<const S extends Schema>(name: string, schema: S): S {
  names.set(schema, name);
  return schema;
}

/** The component name of a schema made with `named()`. */
export function schemaName(schema: object): string | undefined {
  return names.get(schema);
}

export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableText = { type: ['string', 'null'] } as const;

export const ErrorBody = named('Error', {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'e.g. not_found, invalid_request, invalid_json, unsupported_media_type, payload_too_large' },
        message: { type: 'string' },
        details: {
          type: 'array',
          description: 'invalid_request: every problem, each with its JSON pointer',
          items: {
            type: 'object',
            required: ['in', 'path', 'message'],
            properties: { in: { enum: ['body', 'query'] }, path: { type: 'string', description: 'e.g. /name' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
});

export const Device = named('Device', {
  type: 'object',
  required: ['id', 'name', 'name_by_user', 'room_id', 'plugin', 'online', 'last_seen', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string', description: "what it is called: the user's name when set, else the one the device announced" },
    name_by_user: { ...nullableText, description: 'set by PATCH; the device announcing another name does not change it' },
    manufacturer: nullableText,
    model: nullableText,
    sw_version: nullableText,
    room_id: nullableText,
    plugin: { type: 'string', description: 'the integration that owns it, e.g. mqtt, ha-discovery' },
    identifiers: { type: 'object', additionalProperties: { type: 'string' } },
    via_device_id: nullableText,
    online: { type: ['boolean', 'null'], description: 'null: never heard from' },
    last_seen: nullableDateTime,
    offline_after: { type: ['integer', 'null'], description: 'ms of silence after which it counts as offline' },
    created_at: dateTime,
    updated_at: dateTime,
  },
});

export const Entity = named('Entity', {
  type: 'object',
  required: ['entity_id', 'plugin', 'device_id', 'key', 'kind', 'name', 'name_by_user', 'hidden', 'created_at'],
  properties: {
    entity_id: { type: 'string', description: 'readable and permanent, e.g. sensor.garage_temperature' },
    plugin: { type: 'string' },
    unique_id: { type: 'string' },
    device_id: nullableText,
    key: { type: 'string', description: 'the name of the value in the device’s telemetry' },
    kind: { type: 'string', description: 'sensor, binary_sensor, switch, number, …' },
    name: { type: 'string' },
    name_by_user: nullableText,
    unit: nullableText,
    device_class: nullableText,
    state_class: nullableText,
    hidden: { type: 'boolean', description: 'left out of lists unless include_hidden=true' },
    created_at: dateTime,
  },
});

export const State = named('State', {
  type: 'object',
  required: ['entity_id', 'state', 'attributes', 'last_changed', 'last_updated'],
  properties: {
    entity_id: { type: 'string' },
    state: { type: ['string', 'number', 'boolean', 'null'] },
    attributes: { type: 'object' },
    last_changed: { ...dateTime, description: 'when the value last changed' },
    last_updated: { ...dateTime, description: 'when the value or an attribute last changed' },
  },
});

export const EntityWithState = named('EntityWithState', {
  type: 'object',
  required: [...Entity.required, 'state'],
  properties: { ...Entity.properties, state: { anyOf: [State, { type: 'null' }] } },
});

export const DeviceDetail = named('DeviceDetail', {
  type: 'object',
  required: [...Device.required, 'entities'],
  properties: { ...Device.properties, entities: { type: 'array', items: EntityWithState } },
});

export const Room = named('Room', {
  type: 'object',
  required: ['id', 'name', 'created_at', 'devices'],
  properties: {
    id: { type: 'string', description: 'the slug of the name it was created with; stays when renamed' },
    name: { type: 'string' },
    created_at: dateTime,
    devices: { type: 'array', items: { type: 'string' }, description: 'ids of the devices in it' },
  },
});

export const LoggedEvent = named('Event', {
  type: 'object',
  required: ['id', 'ts', 'type', 'device_id', 'entity_id', 'data'],
  properties: {
    id: { type: 'integer' },
    ts: dateTime,
    type: { type: 'string', description: 'e.g. motion_started, device_offline, <plugin>.<event>' },
    device_id: nullableText,
    entity_id: nullableText,
    data: { type: 'object' },
  },
});

export const PluginStatus = named('PluginStatus', {
  type: 'object',
  required: ['id', 'version', 'source', 'status', 'attempts', 'handler_errors'],
  properties: {
    id: { type: 'string' },
    version: nullableText,
    source: nullableText,
    status: { enum: ['starting', 'running', 'retrying', 'failed', 'disabled', 'stopped'] },
    error: { type: 'string', description: 'why it failed or waits to retry' },
    retry_at: { type: 'integer', description: 'ms epoch of the next attempt while retrying' },
    attempts: { type: 'integer' },
    handler_errors: { type: 'integer', description: 'throws in its handlers since it started' },
    last_handler_error: { type: 'object' },
  },
});

/** The `{items, next_cursor}` of a list endpoint. */
export function pageSchema<const S extends Schema>(item: S) {
  return {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: item },
      next_cursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last page' },
    },
  } as const;
}

/** Query parameters of every list endpoint. */
export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'items per page' },
  cursor: { type: 'string', minLength: 1, description: 'the next_cursor of the previous page' },
} as const;

/** The query of a list endpoint that filters nothing: only the page parameters. */
export const listQuery = { type: 'object', additionalProperties: false, properties: pageQuery } as const;

/** `from`/`to` of an endpoint that reads a time range (parseTimeRange); `defaultSpan` says how far back `from` goes when not given. */
export function timeRangeQuery(defaultSpan: string) {
  return {
    from: { type: 'string', description: `ISO 8601 or ms since the epoch; default ${defaultSpan} before \`to\`` },
    to: { type: 'string', description: 'ISO 8601 or ms since the epoch; default now' },
  } as const;
}

/** A name a user gives a device or an entity. */
export const givenName = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const includeHidden = { type: 'boolean', default: false, description: 'also list hidden entities' } as const;

/** A 404 (errors are documented with the error shape by default). */
export const notFoundResponse = (what: string) => ({ description: `no such ${what}` });
