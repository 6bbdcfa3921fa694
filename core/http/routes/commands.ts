import { Hono } from 'hono';
import { CommandError, type CommandRouter } from '../../commands/router.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import { apiError, badRequest, notFound } from '../errors.ts';

const STATUS = { unsupported: 400, invalid_value: 400, no_handler: 400, offline: 409, timeout: 504 } as const;

/**
 * `POST /api/entities/:entity_id/commands` with `{"value": …, "timeout_ms"?: 5000}`:
 * sends the command and answers with the device's acknowledgement.
 */
export function commandRoutes(entities: EntityRegistry, router: CommandRouter): Hono {
  return new Hono().post('/:entity_id/commands', async (c) => {
    const entity = entities.get(c.req.param('entity_id'));
    if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw badRequest('body: expected JSON such as {"value": true}');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body: expected a JSON object such as {"value": true}');
    const { value, timeout_ms: timeoutMs = 5000, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw badRequest(`body: unknown key "${unknown[0]}" (allowed: value, timeout_ms)`);
    if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) {
      throw badRequest('body.timeout_ms: expected an integer from 100 to 60000');
    }
    try {
      return c.json(await router.send({ entity, value, timeoutMs }));
    } catch (error) {
      if (error instanceof CommandError) throw apiError(STATUS[error.reason], error.reason, error.message);
      throw error;
    }
  });
}
