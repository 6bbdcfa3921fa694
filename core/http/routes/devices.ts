import { Hono } from 'hono';
import { DEVICE_KINDS, type DeviceKind, type SecretsFile } from '../../auth/device-snippets.ts';
import { DEVICE_ID_PATTERN, type Device, type DeviceRegistry } from '../../registry/devices.ts';
import type { EntityRegistry } from '../../registry/entities.ts';
import type { RoomRegistry } from '../../registry/rooms.ts';
import type { StateMachine } from '../../states/state-machine.ts';
import { Device as DeviceSchema, DeviceDetail, givenName, includeHidden, notFoundResponse, pageQuery, pageSchema } from '../api-schema.ts';
import { conflict, notFound } from '../errors.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
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

export interface DeviceRouteDeps {
  devices: DeviceRegistry;
  entities: EntityRegistry;
  states: StateMachine;
  rooms: RoomRegistry;
  admin: DeviceAdmin;
}

const byId: Keyset<Device> = { list: 'devices', arity: 1, key: (d) => [d.id] };

const kind = { enum: DEVICE_KINDS, default: 'generic', description: 'which secrets file to return: secrets.py for a Pico, secrets.h for an ESP32' } as const;

const provisionedSchema = {
  type: 'object',
  required: ['device', 'mqtt', 'secrets_file'],
  properties: {
    device: DeviceSchema,
    mqtt: {
      type: 'object',
      description: 'the MQTT account; the password is shown this once',
      properties: { username: { type: 'string' }, password: { type: 'string' }, host: { type: 'string' }, port: { type: ['integer', 'null'] } },
    },
    secrets_file: { type: ['object', 'null'], description: 'the file to flash, for kind pico or esp32' },
  },
} as const;

const list = spec({
  summary: 'List devices',
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { ...pageQuery, room: { type: 'string', description: 'only the devices in this room (its id)' } },
  },
  responses: { 200: { description: 'a page of devices, by id', schema: pageSchema(DeviceSchema) } },
});

const getOne = spec({
  summary: 'Get a device with its entities and their states',
  query: { type: 'object', additionalProperties: false, properties: { include_hidden: includeHidden } },
  responses: { 200: { description: 'the device', schema: DeviceDetail }, 404: notFoundResponse('device') },
});

const create = spec({
  summary: 'Create a device and its MQTT account',
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: {
      id: { type: 'string', pattern: DEVICE_ID_PATTERN.source, description: '1-64 letters, digits, "_" or "-"; its MQTT username and topic level' },
      name: givenName,
      room: { ...givenName, description: 'a room name; created when new' },
      kind,
    },
  },
  responses: { 201: { description: 'the device and its account', schema: provisionedSchema }, 409: { description: 'the id is taken' } },
});

const rotate = spec({
  summary: "Give a device a new MQTT password (its current connection is dropped)",
  query: { type: 'object', additionalProperties: false, properties: { kind } },
  responses: { 200: { description: 'the new account', schema: provisionedSchema }, 404: notFoundResponse('device') },
});

const update = spec({
  summary: 'Rename a device or move it to a room',
  description: 'A name given here stays when the device announces another. `room` is a room id or name (a new name creates the room); null takes the device out of its room.',
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      name: givenName,
      room: { type: ['string', 'null'], minLength: 1, maxLength: 100 },
    },
  },
  responses: { 200: { description: 'the device as it is now', schema: DeviceDetail }, 404: notFoundResponse('device') },
});

const remove = spec({
  summary: 'Delete a device with its entities, states and MQTT account (its connection is dropped)',
  responses: { 204: { description: 'deleted' }, 404: notFoundResponse('device') },
});

export function deviceRoutes(deps: DeviceRouteDeps): Hono {
  const { devices, entities, states, rooms, admin } = deps;
  const provisioned = (p: Provisioned) => ({ ...p, device: deviceJson(p.device) });
  const existing = (id: string): Device => {
    const device = devices.get(id);
    if (!device) throw notFound(`no device "${id}"`);
    return device;
  };
  const detail = (device: Device, withHidden: boolean) => ({
    ...deviceJson(device),
    entities: entities
      .forDevice(device.id)
      .filter((entity) => withHidden || !entity.hidden)
      .map((entity) => {
        const state = states.get(entity.entity_id);
        return { ...entityJson(entity), state: state ? stateJson(state) : null };
      }),
  });
  /** A room by id, else by name (any case), else a new room of that name. */
  const roomFor = async (idOrName: string) =>
    rooms.get(idOrName) ?? rooms.list().find((r) => r.name.toLowerCase() === idOrName.toLowerCase()) ?? (await rooms.ensure(idOrName));

  return new Hono()
    .get('/', list, (c) => {
      const { room, ...page } = c.req.valid('query');
      const inRoom = room === undefined ? devices.all() : [...devices.all()].filter((d) => d.room_id === room);
      return c.json(mapPage(pageOf(byId, inRoom, page), deviceJson));
    })
    .post('/', create, async (c) => {
      const { id, name, room, kind } = c.req.valid('json');
      if (devices.get(id)) throw conflict(`device "${id}" exists; rotate its password with POST /api/devices/${id}/credentials`);
      const result = await admin.provision({ id, kind, ...(name ? { name } : {}), ...(room ? { room } : {}) });
      return c.json(provisioned(result), 201);
    })
    .get('/:id', getOne, (c) => c.json(detail(existing(c.req.param('id')), c.req.valid('query').include_hidden)))
    .patch('/:id', update, async (c) => {
      const device = existing(c.req.param('id'));
      const { name, room } = c.req.valid('json');
      if (name !== undefined) await devices.rename(device.id, name);
      if (room !== undefined) await devices.setRoom(device.id, room === null ? null : (await roomFor(room)).id);
      return c.json(detail(device, false));
    })
    .post('/:id/credentials', rotate, async (c) => {
      const device = existing(c.req.param('id'));
      return c.json(provisioned(await admin.rotate(device.id, c.req.valid('query').kind)));
    })
    .delete('/:id', remove, async (c) => {
      await admin.remove(existing(c.req.param('id')).id);
      return c.body(null, 204);
    });
}
