import type { Kysely } from 'kysely';
import type { RegistryTables, RoomsTable } from '../db/tables.ts';
import { slugify } from './slug.ts';

export type Room = RoomsTable;

/** Rooms, created as they are first named (`devices: { x: { room: Garage } }` in the config). */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly db: Kysely<RegistryTables>) {}

  async load(): Promise<void> {
    for (const room of await this.db.selectFrom('rooms').selectAll().execute()) this.rooms.set(room.id, room);
  }

  get(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  list(): Room[] {
    return [...this.rooms.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The room with this name, created when new; its id is the slug of the name. */
  async ensure(name: string): Promise<Room> {
    const id = slugify(name);
    if (!id) throw new Error(`room name "${name}" has no letters or digits`);
    const existing = this.rooms.get(id);
    if (existing) return existing;
    const room = { id, name, created_at: Date.now() };
    await this.db.insertInto('rooms').values(room).execute();
    this.rooms.set(id, room);
    return room;
  }

  /** Gives the room a new name; its id (the slug of its first name) stays, as entity ids do. */
  async rename(id: string, name: string): Promise<Room | undefined> {
    const room = this.rooms.get(id);
    if (!room) return undefined;
    room.name = name;
    await this.db.updateTable('rooms').set({ name }).where('id', '=', id).execute();
    return room;
  }

  /** Deletes the room; the database clears the room of its devices (the caller tells the device registry). */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('rooms').where('id', '=', id).execute();
    this.rooms.delete(id);
  }
}
