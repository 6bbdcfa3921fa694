import type { HubEvents } from '../../events/hub-events.ts';

/** The hub events the live feed relays, under their bus names. */
export const LIVE_EVENT_TYPES = [
  'state_changed',
  'device_registered',
  'device_removed',
  'device_online',
  'device_offline',
  'entity_registered',
  'event_logged',
] as const satisfies ReadonlyArray<keyof HubEvents>;

export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

/** What a client asked for: AND across the three kinds, OR within one; an absent kind matches everything. */
export interface LiveFilter {
  entity?: ReadonlySet<string>;
  device?: ReadonlySet<string>;
  type?: ReadonlySet<string>;
}

/** The part of a feed event a filter looks at. */
export interface Filterable {
  type: string;
  entity_id: string | null;
  device_id: string | null;
}

/** Bad subscription input; `message` names the field as the client wrote it. */
export class SubscriptionError extends Error {}

/** The field names one protocol uses for the three kinds (the WebSocket says `event_type`, its `type` is the message's). */
export interface FilterFieldNames {
  entity: string;
  device: string;
  type: string;
}

const MAX_VALUES = 100;

/** Builds a filter from lists as a client sent them, checking each value; throws SubscriptionError naming the field. */
export function parseFilter(input: { entity?: unknown; device?: unknown; type?: unknown }, names: FilterFieldNames): LiveFilter {
  const filter: LiveFilter = {};
  if (input.entity !== undefined) filter.entity = new Set(idList(names.entity, input.entity));
  if (input.device !== undefined) filter.device = new Set(idList(names.device, input.device));
  if (input.type !== undefined) {
    const types = idList(names.type, input.type);
    const unknown = types.filter((t) => !(LIVE_EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0) {
      throw new SubscriptionError(`${names.type}: unknown event type ${unknown.map((t) => `"${t}"`).join(', ')} (known: ${LIVE_EVENT_TYPES.join(', ')})`);
    }
    filter.type = new Set(types);
  }
  return filter;
}

export function matches(filter: LiveFilter, event: Filterable): boolean {
  return (
    (!filter.type || filter.type.has(event.type)) &&
    (!filter.entity || (event.entity_id !== null && filter.entity.has(event.entity_id))) &&
    (!filter.device || (event.device_id !== null && filter.device.has(event.device_id)))
  );
}

function idList(name: string, values: unknown): string[] {
  if (!Array.isArray(values) || values.length === 0) throw new SubscriptionError(`${name}: expected a non-empty list of ids`);
  if (values.length > MAX_VALUES) throw new SubscriptionError(`${name}: at most ${MAX_VALUES} values, got ${values.length}`);
  values.forEach((value, i) => {
    if (typeof value !== 'string' || value.trim() === '') throw new SubscriptionError(`${name}[${i}]: expected a non-empty string, got ${JSON.stringify(value)}`);
  });
  return values as string[];
}

/** The last event id a client saw: a non-negative integer, as a string (a header, a query) or a JSON number. */
export function parseEventId(name: string, raw: unknown): number {
  const id = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new SubscriptionError(`${name}: expected the id of an event seen before (a non-negative integer), got ${JSON.stringify(raw)}`);
  }
  return id;
}
