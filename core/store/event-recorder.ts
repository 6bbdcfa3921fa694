import type { EventBus, Unsubscribe } from '../events/bus.ts';
import type { StateChanged } from '../events/hub-events.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { EventLog } from './event-log.ts';

/** Event types for a binary sensor turning on / off, by its device class. */
const TRANSITIONS: Record<string, [on: string, off: string]> = {
  motion: ['motion_started', 'motion_ended'],
  occupancy: ['presence_detected', 'presence_cleared'],
  presence: ['presence_detected', 'presence_cleared'],
  door: ['opened', 'closed'],
  garage_door: ['opened', 'closed'],
  window: ['opened', 'closed'],
  opening: ['opened', 'closed'],
};
const DEFAULT_TRANSITION: [string, string] = ['turned_on', 'turned_off'];

/**
 * Writes the core's own happenings to the event log: devices going online or
 * offline, and every on/off of a binary sensor or switch, at the time the
 * device measured it (what a police report needs), not when the hub heard.
 */
export function recordCoreEvents(bus: EventBus, events: EventLog, entities: EntityRegistry): Unsubscribe {
  const offs = [
    bus.on('device_online', ({ device_id }) => events.record({ type: 'device_online', device_id }), 'event-log'),
    bus.on('device_offline', ({ device_id }) => events.record({ type: 'device_offline', device_id }), 'event-log'),
    bus.on('state_changed', (change) => recordTransition(change, events, entities), 'event-log'),
  ];
  return () => offs.forEach((off) => off());
}

function recordTransition({ entity_id, old_state, new_state }: StateChanged, events: EventLog, entities: EntityRegistry): void {
  if (typeof new_state.state !== 'boolean') return;
  // The first state of an entity is news only when something is on.
  if (old_state ? old_state.state === new_state.state : !new_state.state) return;
  const entity = entities.get(entity_id);
  if (!entity) return;
  const [on, off] = TRANSITIONS[entity.device_class ?? ''] ?? DEFAULT_TRANSITION;
  events.record({
    type: new_state.state ? on : off,
    ts: new_state.last_changed,
    device_id: entity.device_id,
    entity_id,
    data: {},
  });
}
