/**
 * The one typed event map of the hub. Plugins add their own events by module
 * augmentation:
 *
 *   declare module 'hearth/plugin-api' { interface HubEvents { 'weather.updated': {...} } }
 */
import type { State } from '../states/state.ts';

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
}
