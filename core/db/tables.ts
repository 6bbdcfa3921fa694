/** Kysely row types of the registry database (`<data_dir>/hearth.db`). Times are ms since the epoch. */
import type { Generated } from 'kysely';

export interface RoomsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  /** what it is called: name_by_user when set, else the announced name */
  name: string;
  /** set through the API; kept when the device announces another name */
  name_by_user: string | null;
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
  /** what it is called: name_by_user when set, else the announced name */
  name: string;
  /** set through the API; kept when the device announces another name */
  name_by_user: string | null;
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

export type Role = 'admin' | 'user' | 'viewer';

export interface UsersTable {
  id: Generated<number>;
  /** unique regardless of case */
  username: string;
  role: Role;
  email: string | null;
  phone: string | null;
  /** JSON object: notification channels, quiet hours */
  preferences: string;
  /** scrypt$N$r$p$salt$hash */
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export interface UserSessionsTable {
  /** random id, the `sid` claim of the session's JWT */
  id: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  /** unique per user */
  name: string;
  /** SHA-256 (hex) of the token */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
}

export interface RegistryTables {
  rooms: RoomsTable;
  devices: DevicesTable;
  entities: EntitiesTable;
  states: StatesTable;
  events: EventsTable;
  device_credentials: DeviceCredentialsTable;
  pairing: PairingTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  api_tokens: ApiTokensTable;
  device_approvals: DeviceApprovalsTable;
  device_approval_messages: DeviceApprovalMessagesTable;
}
