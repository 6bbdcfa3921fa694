import { Hono } from 'hono';
import { DEVICE_KINDS, type DeviceKind, type SecretsFile } from '../../auth/device-snippets.ts';
import type { Device } from '../../registry/devices.ts';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { StateMachine } from '../../states/state-machine.ts';
import { badRequest, notFound } from '../errors.ts';
import { deviceJson, entityJson, stateJson } from '../serialize.ts';

/** What the API can do to devices beyond reading them: the hub provides it. */
export interface DeviceAdmin {
  provision(input: { id: string; name?: string; room?: string; kind: DeviceKind }): Promise<Provisioned>;
  rotate(id: string, kind: DeviceKind): Promise<Provisioned>;
  remove(id: string): Promise<void>;
}

export interface Provisioned {
  device: Device;
  mqtt: { username: string; password: string; host: string; port: number | null };
  secrets_file: SecretsFile | null;
}

const ADD_KEYS = ['id', 'name', 'room', 'kind'];

export function deviceRoutes(devices: DeviceRegistry, entities: EntityRegistry, states: StateMachine, admin: DeviceAdmin): Hono {
  const provisioned = (p: Provisioned) => ({ ...p, device: deviceJson(p.device) });
  return new Hono()
    .post('/', async (c) => {
      const body = await jsonObject(c.req.json());
      const unknown = Object.keys(body).find((k) => !ADD_KEYS.includes(k));
      if (unknown) throw badRequest(`body: unknown key "${unknown}" (allowed: ${ADD_KEYS.join(', ')})`);
      const { id, name, room, kind = 'generic' } = body;
      if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) throw badRequest('body.id: 1-64 letters, digits, "_" or "-", starting with a letter or digit');
      if (devices.get(id)) throw badRequest(`body.id: device "${id}" exists; rotate its password with POST /api/devices/${id}/credentials`);
      for (const [key, value] of Object.entries({ name, room })) {
        if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw badRequest(`body.${key}: expected non-empty text`);
      }
      if (!DEVICE_KINDS.includes(kind as DeviceKind)) throw badRequest(`body.kind: expected one of ${DEVICE_KINDS.join(', ')}`);
      const result = await admin.provision({ id, kind: kind as DeviceKind, ...(name ? { name: name as string } : {}), ...(room ? { room: room as string } : {}) });
      return c.json(provisioned(result), 201);
    })
    .post('/:id/credentials', async (c) => {
      const id = c.req.param('id');
      if (!devices.get(id)) throw notFound(`no device "${id}"`);
      const kind = c.req.query('kind') ?? 'generic';
      if (!DEVICE_KINDS.includes(kind as DeviceKind)) throw badRequest(`kind: expected one of ${DEVICE_KINDS.join(', ')}`);
      return c.json(provisioned(await admin.rotate(id, kind as DeviceKind)));
    })
    .delete('/:id', async (c) => {
      const id = c.req.param('id');
      if (!devices.get(id)) throw notFound(`no device "${id}"`);
      await admin.remove(id);
      return c.body(null, 204);
    })
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

async function jsonObject(body: Promise<unknown>): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = await body;
  } catch {
    throw badRequest('body: expected JSON such as {"id": "garage-pico", "kind": "pico"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('body: expected a JSON object');
  return value as Record<string, unknown>;
}
