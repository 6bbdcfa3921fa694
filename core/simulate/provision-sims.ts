import { provisionDevice, type AccountStores } from '../auth/provision.ts';

/** Hashing a password takes ~50 ms on libuv's four threads: four at a time keeps them all busy. */
const PARALLEL = 4;

/**
 * Gives each simulated device its MQTT account, as `hearth device add`
 * does; a device that already has one (an earlier run) gets a new password,
 * so re-running the simulator reuses its devices instead of failing.
 * Returns the passwords by device id.
 */
export async function provisionSims(stores: AccountStores, deviceIds: string[]): Promise<Map<string, string>> {
  const passwords = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < deviceIds.length) {
      const id = deviceIds[next++]!;
      passwords.set(id, (await provisionDevice(stores, { id })).password);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return passwords;
}

/** Credentials for the simulator from provisioned passwords: each device logs in as itself. */
export function accountsOf(passwords: Map<string, string>): (clientId: string) => { username: string; password: string } | undefined {
  return (clientId) => {
    const password = passwords.get(clientId);
    return password === undefined ? undefined : { username: clientId, password };
  };
}
