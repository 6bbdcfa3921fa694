import { Hono } from 'hono';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { StateMachine } from '../../states/state-machine.ts';
import { notFound } from '../errors.ts';
import { deviceJson, entityJson, stateJson } from '../serialize.ts';

export function deviceRoutes(devices: DeviceRegistry, entities: EntityRegistry, states: StateMachine): Hono {
  return new Hono()
    .get('/', (c) => c.json(devices.list().map(deviceJson)))
    .get('/:id', (c) => {
      const device = devices.get(c.req.param('id'));
      if (!device) throw notFound(`no device "${c.req.param('id')}"`);
      const withStates = entities.forDevice(device.id).map((entity) => {
        const state = states.get(entity.entity_id);
        return { ...entityJson(entity), state: state ? stateJson(state) : null };
      });
      return c.json({ ...deviceJson(device), entities: withStates });
    });
}
