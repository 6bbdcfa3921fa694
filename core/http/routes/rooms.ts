import { Hono } from 'hono';
import type { DeviceRegistry } from '../../registry/devices.ts';
import type { RoomRegistry } from '../../registry/rooms.ts';
import { iso } from '../serialize.ts';

export function roomRoutes(rooms: RoomRegistry, devices: DeviceRegistry): Hono {
  return new Hono().get('/', (c) =>
    c.json(
      rooms.list().map((room) => ({
        ...room,
        created_at: iso(room.created_at),
        devices: devices.list().filter((d) => d.room_id === room.id).map((d) => d.id),
      })),
    ),
  );
}
