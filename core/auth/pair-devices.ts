import type { Logger } from 'pino';
import type { EmbeddedBroker } from '../mqtt/embedded-broker.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { EventLog } from '../store/event-log.ts';
import type { DeviceAccounts } from './device-accounts.ts';

/**
 * Completes pairing: when a device logged in with the pairing key announces
 * itself (and the native protocol, which runs first, has registered it), it is
 * given its own account on `hearth/<id>/credentials`, the one topic it may
 * subscribe to. It then reconnects with that account like any device.
 */
export function completePairing(deps: { broker: EmbeddedBroker; devices: DeviceRegistry; accounts: DeviceAccounts; events: EventLog; log: Logger }): Promise<() => Promise<void>> {
  return deps.broker.intercept('hearth/+/announce', async (message) => {
    const deviceId = message.topic.split('/')[1] ?? '';
    if (!deps.broker.isPairing(deviceId) || !deps.devices.get(deviceId) || (await deps.accounts.exists(deviceId))) return;
    const password = await deps.accounts.issue(deviceId);
    await deps.broker.publish(`hearth/${deviceId}/credentials`, JSON.stringify({ username: deviceId, password }), { qos: 1 });
    deps.events.record({ type: 'device_paired', device_id: deviceId });
    deps.log.info({ device: deviceId }, `device ${deviceId} paired: its account was sent on hearth/${deviceId}/credentials`);
  });
}
