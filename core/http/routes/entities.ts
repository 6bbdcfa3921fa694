import { Hono } from 'hono';
import type { EntityRegistry } from '../../registry/entities.ts';
import { entityJson } from '../serialize.ts';

export function entityRoutes(entities: EntityRegistry): Hono {
  return new Hono().get('/', (c) => {
    const device = c.req.query('device');
    const list = device ? entities.forDevice(device) : entities.list();
    return c.json(list.map(entityJson));
  });
}
