/** Kysely row types of the registry database (`<data_dir>/hearth.db`). Times are ms since the epoch. */
import type { Generated } from 'kysely';

export interface RoomsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  name: string;
  manufacturer: string | null;
  model: string | null;
  sw_version: string | null;
  room_id: string | null;
  plugin: string;
  /** JSON object, e.g. {"mac": "…", "serial": "…"} */
  identifiers: string;
  via_device_id: string | null;
  /** 1 online, 0 offline, null never heard of */
  online: number | null;
  last_seen: number | null;
  /** ms of silence after which the device counts as offline; null: never by silence */
  offline_after: number | null;
  created_at: number;
  updated_at: number;
}

export interface EntitiesTable {
  /** Compact integer key used by the time-series store. */
  id: Generated<number>;
  entity_id: string;
  plugin: string;
  unique_id: string;
  device_id: string | null;
  key: string;
  kind: string;
  name: string;
  unit: string | null;
  device_class: string | null;
  state_class: string | null;
  hidden: number;
  created_at: number;
}

export interface StatesTable {
  entity: number;
  /** JSON-encoded state value */
  state: string;
  /** JSON object */
  attributes: string;
  last_changed: number;
  last_updated: number;
}

export interface EventsTable {
  id: Generated<number>;
  ts: number;
  type: string;
  device_id: string | null;
  entity_id: string | null;
  /** JSON object */
  data: string;
}

export interface DeviceCredentialsTable {
  device_id: string;
  /** scrypt$N$r$p$salt$hash */
  password_hash: string;
  created_at: number;
}

export interface PairingTable {
  /** always 1: one window at a time */
  id: number;
  key_hash: string;
  /** ms epoch when the window closes */
  until: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface DeviceApprovalsTable {
  device_id: string;
  status: ApprovalStatus;
  /** the protocol that announced the device: `mqtt` (native) or `ha-discovery` */
  source: string;
  name: string | null;
  model: string | null;
  manufacturer: string | null;
  first_seen: number;
  last_seen: number;
}

export interface DeviceApprovalMessagesTable {
  device_id: string;
  topic: string;
  payload: Buffer;
}

export interface RegistryTables {
  rooms: RoomsTable;
  devices: DevicesTable;
  entities: EntitiesTable;
  states: StatesTable;
  events: EventsTable;
  device_credentials: DeviceCredentialsTable;
  pairing: PairingTable;
  device_approvals: DeviceApprovalsTable;
  device_approval_messages: DeviceApprovalMessagesTable;
}
