import { Hono } from 'hono';
import type { Entity, EntityRegistry } from '../../registry/entities.ts';
import { Entity as EntitySchema, givenName, includeHidden, notFoundResponse, pageQuery, pageSchema } from '../api-schema.ts';
import { notFound } from '../errors.ts';
import type { StateTags } from '../etag.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { entityJson } from '../serialize.ts';

const byEntityId: Keyset<Entity> = { list: 'entities', arity: 1, key: (e) => [e.entity_id] };

const list = spec({
  summary: 'List entities',
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...pageQuery,
      device: { type: 'string', description: 'only the entities of this device' },
      include_hidden: includeHidden,
    },
  },
  responses: { 200: { description: 'a page of entities, by entity id', schema: pageSchema(EntitySchema) } },
});

const getOne = spec({
  summary: 'Get an entity',
  responses: { 200: { description: 'the entity', schema: EntitySchema }, 404: notFoundResponse('entity') },
});

const update = spec({
  summary: 'Rename an entity or hide it',
  description: 'The entity id never changes. A name given here stays when the device announces another; a hidden entity is left out of lists unless they are asked with include_hidden=true.',
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { name: givenName, hidden: { type: 'boolean' } },
  },
  responses: { 200: { description: 'the entity as it is now', schema: EntitySchema }, 404: notFoundResponse('entity') },
});

export function entityRoutes(entities: EntityRegistry, stateTags: StateTags): Hono {
  return new Hono()
    .get('/', list, (c) => {
      const { device, include_hidden: withHidden, ...page } = c.req.valid('query');
      const found = (device === undefined ? entities.list() : entities.forDevice(device)).filter((e) => withHidden || !e.hidden);
      return c.json(mapPage(pageOf(byEntityId, found, page), entityJson));
    })
    .get('/:entity_id', getOne, (c) => {
      const entity = entities.get(c.req.param('entity_id'));
      if (!entity) throw notFound(`no entity "${c.req.param('entity_id')}"`);
      return c.json(entityJson(entity));
    })
    .patch('/:entity_id', update, async (c) => {
      const id = c.req.param('entity_id');
      const before = entities.get(id);
      if (!before) throw notFound(`no entity "${id}"`);
      const entity = (await entities.update(id, c.req.valid('json')))!;
      // Hiding changes what the states list holds, so its ETag must change.
      if (entity.hidden !== before.hidden) stateTags.changed(id);
      return c.json(entityJson(entity));
    });
}
