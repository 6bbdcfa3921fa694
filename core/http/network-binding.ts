import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** Where the API listens while `http.host` is not set and no user exists: nobody else can reach an API that has no login yet. */
export const LOOPBACK = '127.0.0.1';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface BindingNote {
  level: 'info' | 'warn';
  message: string;
}

/** What the log should say about who can reach the API, for `http.host` as configured (undefined: not set). */
export function bindingNotes(configuredHost: string | undefined, usersExist: boolean): BindingNote[] {
  const firstUser = 'npx hearth user add NAME --role admin, or onboarding in the UI';
  if (configuredHost === undefined && !usersExist) {
    return [
      { level: 'info', message: 'the API listens on this machine only until users and tokens exist (set http.host to open it)' },
      { level: 'info', message: `once the first user exists (${firstUser}) it listens on every interface and needs a token` },
    ];
  }
  if (configuredHost === undefined) return [{ level: 'info', message: 'users exist: the API listens on every interface and needs a token (set http.host to limit it)' }];
  if (isLoopback(configuredHost)) return [{ level: 'info', message: `http.host is ${configuredHost}: only this machine can reach the API` }];
  if (!usersExist) {
    return [{ level: 'warn', message: `http.host is ${configuredHost} and no user exists yet: anyone who can reach it can use the API until the first user is created (${firstUser})` }];
  }
  return [{ level: 'info', message: `the API on ${configuredHost} needs a token` }];
}

export interface OpenOnFirstUserOptions {
  server: Server;
  port: number;
  usersExist(): Promise<boolean>;
  log: Logger;
  /** how often to look for the first user (made by onboarding or by `hearth user add` in another process) */
  intervalMs?: number;
}

/**
 * With `http.host` unset, the hub starts on 127.0.0.1 when no user exists;
 * once the first one does, the same server listens again on every interface
 * and the same port. Connections already open (MQTT over WebSocket, the live
 * stream) stay; upgrade handlers stay attached to the server. Returns the stop.
 */
export function openOnFirstUser(options: OpenOnFirstUserOptions): () => void {
  const { server, port, log } = options;
  let stopped = false;
  const listen = (host: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const reopen = async () => {
    // close() only stops accepting; open connections are untouched and listen() may follow at once.
    server.close();
    try {
      await listen(undefined);
      log.info(`a user exists now: the API listens on every interface, port ${port}, and needs a token`);
    } catch (error) {
      log.error(`could not listen on every interface, port ${port}: ${(error as Error).message}; staying on ${LOOPBACK}`);
      await listen(LOOPBACK);
    }
  };
  const check = async () => {
    if (stopped) return;
    if (await options.usersExist()) {
      clearInterval(timer);
      if (!stopped) await reopen();
    }
  };
  const timer = setInterval(() => void check().catch((error) => log.error({ err: error }, `looking for the first user failed: ${error.message}`)), options.intervalMs ?? 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
