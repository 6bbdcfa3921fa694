import { Hono } from 'hono';
import { CommandError, type CommandRouter } from '../../commands/router.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import { notFoundResponse } from '../api-schema.ts';
import { apiError, notFound } from '../errors.ts';
import { spec } from '../route-spec.ts';

const STATUS = { unsupported: 400, invalid_value: 400, no_handler: 400, offline: 409, timeout: 504 } as const;

const send = spec({
  summary: 'Send a command to an entity and wait for the device to acknowledge it',
  description: 'A switch takes true/false or "on"/"off", a number a number, a select or text a string, a light true/false or an object; a button no value.',
  tags: ['entities'],
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      value: { description: 'what to set; its type depends on the entity kind' },
      timeout_ms: { type: 'integer', minimum: 100, maximum: 60_000, default: 5000, description: 'how long to wait for the acknowledgement' },
    },
  },
  responses: {
    200: {
      description: "the device's acknowledgement",
      schema: {
        type: 'object',
        required: ['id', 'ok'],
        properties: { id: { type: 'string' }, ok: { type: 'boolean' }, value: { description: 'the value the device applied' }, error: { type: 'string' } },
      },
    },
    400: { description: 'invalid request, or a value or entity that takes no such command' },
    404: notFoundResponse('entity'),
    409: { description: 'the device is offline' },
    504: { description: 'the device did not acknowledge in time' },
  },
});

export function commandRoutes(entities: EntityRegistry, router: CommandRouter): Hono {
  return new Hono().post('/:entity_id/commands', send, async (c) => {
    const entity = entities.get(c.req.param('entity_id'));
    if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
    const { value, timeout_ms: timeoutMs } = c.req.valid('json');
    try {
      return c.json(await router.send({ entity, value, timeoutMs }));
    } catch (error) {
      if (error instanceof CommandError) throw apiError(STATUS[error.reason], error.reason, error.message);
      throw error;
    }
  });
}
