import type { Logger } from 'pino';
import type { EventBus, Unsubscribe } from '../../events/bus.ts';
import type { HubEvents } from '../../events/hub-events.ts';
import { iso, stateJson } from '../serialize.ts';
import { LIVE_EVENT_TYPES, matches, type Filterable, type LiveEventType, type LiveFilter } from './filters.ts';

/**
 * One message of the live stream. Its data is made (and serialized, once for
 * every client) only when a client first needs it: most events of a busy hub
 * pass through the buffer without anyone listening.
 */
export class LiveEvent implements Filterable {
  private made?: { data: unknown; json: string };

  constructor(
    readonly id: number,
    /** a hub event, or `reset`: events the client asked to resume from are gone, it should reload the full state */
    readonly type: LiveEventType | 'reset',
    readonly entity_id: string | null,
    readonly device_id: string | null,
    /** the bus payload, turned into `data` by `shape` when first asked */
    private readonly payload: unknown,
    private readonly shape: (payload: never) => unknown,
  ) {}

  get data(): unknown {
    return this.once().data;
  }

  /** `data` as JSON */
  get json(): string {
    return this.once().json;
  }

  private once(): { data: unknown; json: string } {
    if (!this.made) {
      const data = this.shape(this.payload as never);
      this.made = { data, json: JSON.stringify(data) };
    }
    return this.made;
  }
}

export interface LiveSubscriber {
  filter: LiveFilter;
  /** Called synchronously from the bus: must only queue, never wait. */
  deliver(event: LiveEvent): void;
  /** The feed is closing (the hub stops): end the stream. */
  close(): void;
}

type DeviceOf = (entityId: string) => string | null;

interface Relay<P> {
  /** what the filters look at */
  entity(payload: P): string | null;
  device(payload: P, deviceOf: DeviceOf): string | null;
  /** the REST API's shape of it (ISO times); made only for a client (no closure per event: ingest runs through here) */
  data(payload: P): unknown;
}

const asIs = <P>(payload: P) => payload;
const deviceEvent: Relay<{ device_id: string }> = { entity: () => null, device: (p) => p.device_id, data: asIs };

/** How each relayed bus event looks on the stream. */
const RELAYS: { [K in LiveEventType]: Relay<HubEvents[K]> } = {
  state_changed: {
    entity: (p) => p.entity_id,
    device: (p, deviceOf) => deviceOf(p.entity_id),
    data: ({ entity_id, old_state, new_state }) => ({ entity_id, old_state: old_state && stateJson(old_state), new_state: stateJson(new_state) }),
  },
  device_registered: deviceEvent,
  device_removed: deviceEvent,
  device_online: deviceEvent,
  device_offline: deviceEvent,
  // The registry says '' for an entity without a device.
  entity_registered: { entity: (p) => p.entity_id, device: (p) => p.device_id || null, data: ({ entity_id, device_id }) => ({ entity_id, device_id: device_id || null }) },
  event_logged: { entity: (p) => p.entity_id, device: (p) => p.device_id, data: (event) => ({ ...event, ts: iso(event.ts) }) },
};

const resetData = (data: unknown) => data;

export const DEFAULT_FEED_CAPACITY = 5000;
/** How long events are still kept for resuming after the last client left: a dropped browser reconnects within seconds. */
export const DEFAULT_RESUME_WINDOW_MS = 10 * 60_000;

/**
 * The recent hub events for live clients: a ring buffer with ids that only
 * grow, so a client that reconnects with the last id it saw gets exactly what
 * it missed. Ids start from the clock (ms × 1000) rather than 1, so an id from
 * before a hub restart is never mistaken for one of this run.
 *
 * Events are buffered only while a client is connected and for a resume
 * window after the last one left: a hub nobody watches keeps no event
 * objects alive (at thousands of readings a second, keeping them is most of
 * the garbage collector's work). A client returning later gets `reset`, as
 * it would once its events had left a full buffer.
 */
export class LiveFeed {
  private readonly ring: Array<LiveEvent | undefined>;
  private start = 0;
  private size = 0;
  private nextId = Date.now() * 1000 + 1;
  private readonly subscribers = new Set<LiveSubscriber>();
  private readonly offBus: Unsubscribe[];
  private buffering = false;
  private stopBuffering: NodeJS.Timeout | undefined;

  constructor(
    bus: EventBus,
    private readonly deviceOf: DeviceOf,
    private readonly log: Logger,
    readonly capacity = DEFAULT_FEED_CAPACITY,
    private readonly resumeWindowMs = DEFAULT_RESUME_WINDOW_MS,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`live feed capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<LiveEvent | undefined>(capacity);
    this.offBus = LIVE_EVENT_TYPES.map((type) => this.relay(bus, type));
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Adds a subscriber. With `after` (the last id the client saw) it first gets,
   * synchronously, the buffered events after that id that match its filter, so
   * nothing falls between replay and live delivery; when that id is not
   * within the buffer (too old, or from another run) a `reset` comes first.
   */
  subscribe(subscriber: LiveSubscriber, after?: number): Unsubscribe {
    if (after !== undefined) this.replay(subscriber, after);
    this.subscribers.add(subscriber);
    clearTimeout(this.stopBuffering);
    this.buffering = true;
    return () => {
      if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0) return;
      this.stopBuffering = setTimeout(() => this.dropBuffer(), this.resumeWindowMs);
      this.stopBuffering.unref();
    };
  }

  /** Stops following the bus and ends every subscriber's stream. */
  close(): void {
    for (const off of this.offBus) off();
    clearTimeout(this.stopBuffering);
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
  }

  private relay<K extends LiveEventType>(bus: EventBus, type: K): Unsubscribe {
    const relay = RELAYS[type] as Relay<HubEvents[K]>;
    return bus.on(
      type,
      (payload) => {
        // Unbuffered, an event still takes its id: a client whose last id is older must get `reset`.
        if (!this.buffering) this.nextId++;
        else this.publish(new LiveEvent(this.nextId++, type, relay.entity(payload), relay.device(payload, this.deviceOf), payload, relay.data));
      },
      'live-feed',
    );
  }

  private dropBuffer(): void {
    this.buffering = false;
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
  }

  private publish(event: LiveEvent): void {
    this.ring[(this.start + this.size) % this.capacity] = event;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
    for (const subscriber of this.subscribers) {
      if (matches(subscriber.filter, event)) this.deliverTo(subscriber, event);
    }
  }

  private replay(subscriber: LiveSubscriber, after: number): void {
    const first = this.nextId - this.size;
    const covered = after >= first - 1 && after < this.nextId;
    if (!covered) {
      const data = { last_event_id: after, message: `the events after ${after} are no longer buffered: reload the full state` };
      this.deliverTo(subscriber, new LiveEvent(first - 1, 'reset', null, null, data, resetData));
    }
    for (let id = covered ? after + 1 : first; id < this.nextId; id++) {
      const event = this.ring[(this.start + id - first) % this.capacity]!;
      if (matches(subscriber.filter, event)) this.deliverTo(subscriber, event);
    }
  }

  /** One client's failure must not keep the event from the others. */
  private deliverTo(subscriber: LiveSubscriber, event: LiveEvent): void {
    try {
      subscriber.deliver(event);
    } catch (error) {
      this.log.error({ err: error }, `live stream: delivering event ${event.id} failed: ${(error as Error).message}`);
    }
  }
}
