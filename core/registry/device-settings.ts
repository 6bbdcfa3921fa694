import type { EventBus, Unsubscribe } from '../events/bus.ts';
import type { DeviceRegistry } from './devices.ts';
import type { RoomRegistry } from './rooms.ts';

export type DeviceSettings = Record<string, { room?: string }>;

/**
 * Applies `devices:` from the config: to the devices already known at start,
 * and to each new one as it registers (a device configured before it first
 * announces gets its room the moment it appears).
 */
export async function applyDeviceSettings(settings: DeviceSettings, devices: DeviceRegistry, rooms: RoomRegistry, bus: EventBus): Promise<Unsubscribe> {
  const apply = async (deviceId: string) => {
    const room = settings[deviceId]?.room;
    if (room !== undefined) await devices.setRoom(deviceId, (await rooms.ensure(room)).id);
  };
  for (const deviceId of Object.keys(settings)) if (devices.get(deviceId)) await apply(deviceId);
  return bus.on('device_registered', ({ device_id }) => apply(device_id), 'device-settings');
}
