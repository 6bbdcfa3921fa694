/** API shapes: times as ISO 8601, internal keys left out. */
import type { Device } from '../registry/devices.ts';
import type { Entity } from '../registry/entities.ts';
import type { State } from '../states/state.ts';

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function deviceJson(device: Device) {
  return {
    ...device,
    last_seen: iso(device.last_seen),
    created_at: iso(device.created_at),
    updated_at: iso(device.updated_at),
  };
}

export function entityJson(entity: Entity) {
  const { id: _internalKey, ...rest } = entity;
  return { ...rest, created_at: iso(entity.created_at) };
}

export function stateJson(state: State) {
  return { ...state, last_changed: iso(state.last_changed), last_updated: iso(state.last_updated) };
}
