import { Hono } from 'hono';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { State } from '../../states/state.ts';
import type { StateMachine } from '../../states/state-machine.ts';
import { includeHidden, notFoundResponse, pageQuery, pageSchema, State as StateSchema } from '../api-schema.ts';
import { notFound } from '../errors.ts';
import { conditional, type StateTags } from '../etag.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { stateJson } from '../serialize.ts';

const byEntityId: Keyset<State> = { list: 'states', arity: 1, key: (s) => [s.entity_id] };

const conditionalGet = 'Answers with an `ETag`; send it back in `If-None-Match` to get a 304 without a body while nothing changed.';

const notModified = { description: 'nothing changed since the ETag in If-None-Match' };

const list = spec({
  summary: 'List current states',
  description: conditionalGet,
  query: { type: 'object', additionalProperties: false, properties: { ...pageQuery, include_hidden: includeHidden } },
  responses: { 200: { description: 'a page of states, by entity id', schema: pageSchema(StateSchema) }, 304: notModified },
});

const getOne = spec({
  summary: 'Get the current state of an entity',
  description: conditionalGet,
  responses: { 200: { description: 'the state', schema: StateSchema }, 304: notModified, 404: notFoundResponse('state') },
});

export function stateRoutes(states: StateMachine, entities: EntityRegistry, tags: StateTags): Hono {
  return new Hono()
    .get('/', list, (c) =>
      conditional(c, tags.list(), () => {
        const { include_hidden: withHidden, ...page } = c.req.valid('query');
        const shown = withHidden ? states.all() : states.all().filter((s) => !entities.get(s.entity_id)?.hidden);
        return c.json(mapPage(pageOf(byEntityId, shown, page), stateJson));
      }),
    )
    .get('/:entity_id', getOne, (c) => {
      const id = c.req.param('entity_id');
      const state = states.get(id);
      if (!state) throw notFound(`no state for "${id}"`);
      return conditional(c, tags.one(id), () => c.json(stateJson(state)));
    });
}
