import { Hono } from 'hono';
import type { StateMachine } from '../../states/state-machine.ts';
import { notFound } from '../errors.ts';
import { stateJson } from '../serialize.ts';

export function stateRoutes(states: StateMachine): Hono {
  return new Hono()
    .get('/', (c) => c.json(states.all().map(stateJson)))
    .get('/:entity_id', (c) => {
      const state = states.get(c.req.param('entity_id'));
      if (!state) throw notFound(`no state for "${c.req.param('entity_id')}"`);
      return c.json(stateJson(state));
    });
}
