import type { Kysely } from 'kysely';
import type { RegistryTables } from '../db/tables.ts';

/** A non-numeric happening: motion started, a door opened, a device went offline, a notification was sent. */
export interface LoggedEvent {
  id: number;
  ts: number;
  /** e.g. `motion_started`, `device_offline`, `pico-ultrasonic.intrusion` */
  type: string;
  device_id: string | null;
  entity_id: string | null;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<LoggedEvent, 'id' | 'ts' | 'device_id' | 'entity_id' | 'data'> &
  Partial<Pick<LoggedEvent, 'ts' | 'device_id' | 'entity_id' | 'data'>>;

export interface EventQuery {
  from: number;
  to: number;
  type?: string;
  device?: string;
  /** only events older than this one (keyset paging: the last event of the previous page) */
  before?: { ts: number; id: number };
  limit: number;
}

export const EVENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

const PURGE_CHUNK = 5000;

/**
 * The event log, in the registry database: events are few next to readings,
 * and belong with the devices they name. Writes are queued and committed with
 * the hub's other periodic writes (and on stop), like states.
 */
export class EventLog {
  private queue: Array<Omit<LoggedEvent, 'id'>> = [];

  constructor(
    private readonly db: Kysely<RegistryTables>,
    /** Told of every event as it is recorded (the hub relays them on the bus, for live clients). */
    private readonly onRecord?: (event: Omit<LoggedEvent, 'id'>) => void,
  ) {}

  record(event: NewEvent): void {
    if (!EVENT_TYPE_PATTERN.test(event.type)) throw new Error(`invalid event type "${event.type}": use lower-case letters, digits, "_", "." or "-"`);
    const logged = { ts: Date.now(), device_id: null, entity_id: null, data: {}, ...event };
    this.queue.push(logged);
    this.onRecord?.(logged);
  }

  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const rows = batch.map((e) => ({ ...e, data: JSON.stringify(e.data) }));
    try {
      await this.db.transaction().execute(async (tx) => {
        for (let i = 0; i < rows.length; i += 500) await tx.insertInto('events').values(rows.slice(i, i + 500)).execute();
      });
    } catch (error) {
      this.queue = batch.concat(this.queue);
      throw error;
    }
  }

  /** Newest first. */
  async query(q: EventQuery): Promise<LoggedEvent[]> {
    await this.flush();
    let query = this.db.selectFrom('events').selectAll().where('ts', '>=', q.from).where('ts', '<=', q.to);
    if (q.type) query = query.where('type', '=', q.type);
    if (q.device) query = query.where('device_id', '=', q.device);
    const { before } = q;
    if (before) query = query.where((eb) => eb.or([eb('ts', '<', before.ts), eb.and([eb('ts', '=', before.ts), eb('id', '<', before.id)])]));
    const rows = await query.orderBy('ts', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  /** Deletes events older than `before` in chunks, so the registry database is never held for long. */
  async purge(before: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      // The ts of the PURGE_CHUNK-th oldest event bounds this step; none means the rest fits in one.
      const bound = await this.db.selectFrom('events').select('ts').where('ts', '<', before).orderBy('ts').offset(PURGE_CHUNK - 1).limit(1).executeTakeFirst();
      const result = await this.db.deleteFrom('events').where('ts', '<', bound ? Math.min(bound.ts + 1, before) : before).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
      if (!bound) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
