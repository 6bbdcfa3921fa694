import type { Logger } from 'pino';
import type { DeviceAccounts } from '../auth/device-accounts.ts';
import type { PairingWindow } from '../auth/pairing.ts';
import { DEVICE_ID_PATTERN } from '../registry/devices.ts';
import type { TopicClaims } from './topic-claims.ts';

/** Who an MQTT connection is: a provisioned device, a new one pairing, or an anonymous client on a trusted LAN. */
export type ClientIdentity =
  /** `own`: `hearth/<deviceId>/`, made once at login rather than for every message the device publishes */
  | { kind: 'device'; deviceId: string; own: string }
  | { kind: 'pairing'; deviceId: string }
  | { kind: 'anonymous' };

export interface BrokerAccess {
  /** The identity of a connecting client, or a reason to refuse it. */
  authenticate(client: { id: string; address: string }, username: string | undefined, password: Buffer | undefined): Promise<ClientIdentity | string>;
  canPublish(identity: ClientIdentity, topic: string): boolean;
  canSubscribe(identity: ClientIdentity, filter: string): boolean;
}

const FAILURES_BEFORE_SLOWDOWN = 3;
const FAILURE_WINDOW_MS = 60_000;
const MAX_DELAY_MS = 5_000;

/**
 * The embedded broker's rules: a device logs in with its id and password and
 * may publish only under `hearth/<id>/` (never a command to itself, but its
 * acks) and subscribe only to `hearth/<id>/cmd/…`; a device pairing may only
 * announce itself and wait for its account on `hearth/<id>/credentials`. Vendor topics a plugin
 * claims for the device are open to it too. After a few bad passwords
 * from one address, each further answer is delayed, doubling up to 5 s.
 */
export function deviceAccess(
  accounts: DeviceAccounts,
  pairing: PairingWindow,
  claims: TopicClaims,
  options: { allowAnonymous: boolean; log: Logger },
): BrokerAccess {
  const failures = new Map<string, { count: number; since: number }>();
  const delayFor = (address: string) => {
    const entry = failures.get(address);
    if (!entry || Date.now() - entry.since > FAILURE_WINDOW_MS || entry.count < FAILURES_BEFORE_SLOWDOWN) return 0;
    return Math.min(MAX_DELAY_MS, 250 * 2 ** (entry.count - FAILURES_BEFORE_SLOWDOWN));
  };
  const failed = (address: string) => {
    const entry = failures.get(address);
    if (!entry || Date.now() - entry.since > FAILURE_WINDOW_MS) failures.set(address, { count: 1, since: Date.now() });
    else entry.count++;
  };

  return {
    async authenticate(client, username, password) {
      if (username === undefined) {
        if (options.allowAnonymous) return { kind: 'anonymous' };
        return 'no username: devices log in with their device id and password (npx hearth device add <id>)';
      }
      const delay = delayFor(client.address);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const secret = password?.toString('utf8');
      if (secret !== undefined && (await accounts.verify(username, secret))) {
        failures.delete(client.address);
        return { kind: 'device', deviceId: username, own: `hearth/${username}/` };
      }
      // The pairing key admits only a device that has no account yet.
      if (secret !== undefined && DEVICE_ID_PATTERN.test(username) && !(await accounts.exists(username)) && (await pairing.accepts(secret))) {
        failures.delete(client.address);
        options.log.info({ device: username }, `device ${username} connected with the pairing key`);
        return { kind: 'pairing', deviceId: username };
      }
      failed(client.address);
      return `bad username or password for "${username}"`;
    },
    canPublish(identity, topic) {
      if (identity.kind === 'anonymous') return true;
      if (identity.kind === 'pairing') return topic === `hearth/${identity.deviceId}/announce`;
      const { own } = identity;
      if (!topic.startsWith(own)) return claims.mayPublish(identity.deviceId, topic);
      // Not its own commands, only their acks `cmd/<name>/ack` (no split: every message passes here).
      const level = own.length;
      const isCommand = topic.startsWith('cmd', level) && (topic.length === level + 3 || topic[level + 3] === '/');
      if (!isCommand) return true;
      const slash = topic.indexOf('/', level + 4);
      return slash >= 0 && topic.length === slash + 4 && topic.endsWith('/ack');
    },
    canSubscribe(identity, filter) {
      if (identity.kind === 'anonymous') return true;
      if (identity.kind === 'pairing') return filter === `hearth/${identity.deviceId}/credentials`;
      return filter.startsWith(`hearth/${identity.deviceId}/cmd/`) || claims.maySubscribe(identity.deviceId, filter);
    },
  };
}
