import { NATIVE_PLUGIN } from '../mqtt/native-protocol.ts';
import type { Device, DeviceRegistry } from '../registry/devices.ts';
import type { RoomRegistry } from '../registry/rooms.ts';
import type { DeviceAccounts } from './device-accounts.ts';

export interface ProvisionInput {
  id: string;
  name?: string;
  room?: string;
}

/** What provisioning a device works on: a running hub's registries, or ones opened on its data dir. */
export interface AccountStores {
  devices: DeviceRegistry;
  rooms: RoomRegistry;
  accounts: DeviceAccounts;
}

/** Creates (or updates) a native device and gives it a fresh MQTT account. Shared by `hearth device add` and the API. */
export async function provisionDevice(deps: AccountStores, input: ProvisionInput): Promise<{ device: Device; password: string }> {
  const { device } = await deps.devices.upsert(NATIVE_PLUGIN, { id: input.id, ...(input.name ? { name: input.name } : {}) });
  if (input.room) await deps.devices.setRoom(device.id, (await deps.rooms.ensure(input.room)).id);
  const password = await deps.accounts.issue(device.id);
  return { device: deps.devices.get(device.id) ?? device, password };
}
