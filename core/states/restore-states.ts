import type { Logger } from 'pino';
import type { TimeSeriesStore } from '../store/timeseries.ts';
import type { StateMachine } from './state-machine.ts';

/**
 * At start, after a stop that skipped the last save (a crash, kill -9): the
 * states catch up with the readings committed after they were written. A
 * store that cannot answer (QuestDB away) is logged, not fatal: the hub
 * starts with the states as stored.
 */
export async function restoreStates(states: StateMachine, store: TimeSeriesStore, log: Logger): Promise<void> {
  try {
    const restored = states.restore(await store.latest());
    if (restored > 0) log.info(`states brought up to their latest readings (the hub had stopped without saving them): ${restored}`);
  } catch (error) {
    log.warn({ err: error }, `states not brought up to their latest readings: ${error instanceof Error ? error.message : String(error)}`);
  }
}
