/**
 * The one typed event map of the hub. Plugins add their own events by module
 * augmentation:
 *
 *   declare module 'hearth/plugin-api' { interface HubEvents { 'weather.updated': {...} } }
 */
import type { State } from '../states/state.ts';
import type { LoggedEvent } from '../store/event-log.ts';

export interface StateChanged {
  entity_id: string;
  old_state: State | null;
  new_state: State;
}

export interface DeviceEvent {
  device_id: string;
}

export interface EntityRegistered {
  entity_id: string;
  device_id: string;
}

export interface HubEvents {
  state_changed: StateChanged;
  device_registered: DeviceEvent;
  device_removed: DeviceEvent;
  device_online: DeviceEvent;
  device_offline: DeviceEvent;
  entity_registered: EntityRegistered;
  /** Written to the event log (a command, an intrusion, a device paired); `id` is assigned when it is saved. */
  event_logged: Omit<LoggedEvent, 'id'>;
}
