import { Hono } from 'hono';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { Room, RoomRegistry } from '../../registry/rooms.ts';
import { slugify } from '../../registry/slug.ts';
import { givenName, listQuery, notFoundResponse, pageSchema, Room as RoomSchema } from '../api-schema.ts';
import { conflict, invalidRequest, notFound } from '../errors.ts';
import { mapPage, pageOf, type Keyset } from '../pagination.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';

/** By name as people read them; the id breaks ties between rooms renamed to the same name in another case. */
const byName: Keyset<Room> = { list: 'rooms', arity: 2, key: (r) => [r.name, r.id] };

const name = { ...givenName, pattern: '[\\p{L}\\p{N}]', description: 'with at least one letter or digit' } as const;
const nameBody = { type: 'object', additionalProperties: false, required: ['name'], properties: { name } } as const;

const list = spec({
  summary: 'List rooms with their devices',
  query: listQuery,
  responses: { 200: { description: 'a page of rooms, by name', schema: pageSchema(RoomSchema) } },
});

const create = spec({
  summary: 'Create a room',
  description: 'Its id is the slug of the name (`Living Room` → `living_room`) and stays when the room is renamed.',
  body: nameBody,
  responses: { 201: { description: 'the room', schema: RoomSchema }, 409: { description: 'a room with this id or name exists' } },
});

const rename = spec({
  summary: 'Rename a room',
  body: nameBody,
  responses: { 200: { description: 'the room', schema: RoomSchema }, 404: notFoundResponse('room'), 409: { description: 'another room has this name' } },
});

const remove = spec({
  summary: 'Delete a room; its devices are left without a room',
  responses: { 204: { description: 'deleted' }, 404: notFoundResponse('room') },
});

export function roomRoutes(rooms: RoomRegistry, devices: DeviceRegistry): Hono {
  const json = (room: Room) => ({
    ...room,
    created_at: iso(room.created_at),
    devices: [...devices.all()].filter((d) => d.room_id === room.id).map((d) => d.id).sort(),
  });
  const existing = (id: string): Room => {
    const room = rooms.get(id);
    if (!room) throw notFound(`no room "${id}"`);
    return room;
  };
  const nameTaken = (wanted: string, except?: string) => {
    const holder = rooms.list().find((r) => r.id !== except && r.name.toLowerCase() === wanted.toLowerCase());
    if (holder) throw conflict(`room "${holder.id}" is already called "${holder.name}"`);
  };
  return new Hono()
    .get('/', list, (c) => c.json(mapPage(pageOf(byName, rooms.list(), c.req.valid('query')), json)))
    .post('/', create, async (c) => {
      const { name: wanted } = c.req.valid('json');
      const id = slugify(wanted);
      // The schema asks for a letter or digit, but slugify keeps only a-z and 0-9 (after dropping accents).
      if (!id) throw invalidRequest([{ in: 'body', path: '/name', message: 'needs a letter a-z or a digit, for the room id' }]);
      if (rooms.get(id)) throw conflict(`room "${id}" exists`);
      nameTaken(wanted);
      return c.json(json(await rooms.ensure(wanted)), 201);
    })
    .patch('/:id', rename, async (c) => {
      const room = existing(c.req.param('id'));
      const { name: wanted } = c.req.valid('json');
      nameTaken(wanted, room.id);
      return c.json(json((await rooms.rename(room.id, wanted))!));
    })
    .delete('/:id', remove, async (c) => {
      const room = existing(c.req.param('id'));
      for (const device of [...devices.all()]) if (device.room_id === room.id) await devices.setRoom(device.id, null);
      await rooms.remove(room.id);
      return c.body(null, 204);
    });
}
