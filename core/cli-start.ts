import type { Logger } from 'pino';
import type { LoadedConfig } from './config/load-config.ts';
import { Hub } from './hub.ts';

/** Starts the hub for a command that runs it (`start`, `demo`); one that cannot start is a fatal line and exit 1. */
export async function startHubOrExit(config: LoadedConfig, log: Logger): Promise<Hub> {
  try {
    return await Hub.start({ config, log });
  } catch (error) {
    log.fatal(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
