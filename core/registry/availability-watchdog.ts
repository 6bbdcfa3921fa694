import type { Logger } from 'pino';
import type { DeviceRegistry } from './devices.ts';

/**
 * Marks a device offline once it has been silent longer than its
 * `offline_after`: the last will covers a dropped connection, this covers a
 * device that stays connected but stops reporting (a hung sensor loop), or one
 * behind a broker that never told us.
 */
export function watchAvailability(devices: DeviceRegistry, log: Logger, checkEveryMs = 1000): () => void {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const device of devices.all()) {
      if (device.online !== true || device.offline_after === null || device.last_seen === null) continue;
      const silent = now - device.last_seen;
      if (silent <= device.offline_after) continue;
      log.info({ device: device.id }, `device ${device.id} silent for ${Math.round(silent / 1000)} s (offline_after ${device.offline_after / 1000} s): offline`);
      devices.setOnline(device.id, false).catch((error: Error) => log.error({ err: error }, `marking ${device.id} offline failed: ${error.message}`));
    }
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
