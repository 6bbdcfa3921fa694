import { join } from 'node:path';
import type { LoadedConfig } from '../config/load-config.ts';
import { startHubOrExit } from '../cli-start.ts';
import { createLogger, type LogLevel } from '../log.ts';
import { connectHost, stopOnSignal } from './cli-simulate.ts';
import { accountsOf, provisionSims } from './provision-sims.ts';
import { Simulation, simIds, type SimGroup } from './simulator.ts';

/** What the demo shows: a few hallway sensors and room sensors, lively enough to watch. */
const DEMO_DEVICES: SimGroup[] = [
  { kind: 'pico', count: 3, rate: 0.2 },
  { kind: 'esp32', count: 2, rate: 0.2 },
];

/**
 * The demo's own data folder, so trying the hub never mixes simulated
 * devices into a real installation: `demo/` inside the configured data dir,
 * or HEARTH_DATA_DIR itself when set (tests, or a throwaway folder).
 */
function demoDataDir(config: LoadedConfig, env: Record<string, string | undefined> = process.env): string {
  return env.HEARTH_DATA_DIR ? config.config.storage.data_dir : join(config.config.storage.data_dir, 'demo');
}

/**
 * `hearth demo` (`npm run demo`): the hub, in this process, with simulated
 * Pico W and ESP32 devices on its embedded broker, so the dashboard has
 * live data at once. Ctrl-C stops the devices (they go offline cleanly),
 * then the hub.
 */
export async function demo(loaded: LoadedConfig): Promise<void> {
  if (loaded.config.mqtt.url) {
    throw new Error(`the demo runs its devices on the hub's embedded broker, but ${loaded.file} sets mqtt.url; use a config without it (HEARTH_CONFIG or --config)`);
  }
  const config: LoadedConfig = { ...loaded, config: { ...loaded.config, storage: { ...loaded.config.storage, data_dir: demoDataDir(loaded) } } };
  const hub = await startHubOrExit(config, createLogger(config.config.log.level as LogLevel));
  const ids = DEMO_DEVICES.flatMap((group) => simIds('sim', group.kind, group.count));
  // Accounts straight through the running hub's registries: same code as `hearth device add`, no second database handle.
  const passwords = config.config.mqtt.allow_anonymous ? undefined : await provisionSims({ devices: hub.devices, rooms: hub.rooms, accounts: hub.accounts }, ids);
  const simulation = Simulation.start({
    url: `mqtt://127.0.0.1:${hub.mqttPort}`,
    groups: DEMO_DEVICES,
    ...(passwords ? { credentials: accountsOf(passwords) } : {}),
  });
  const url = `http://${connectHost(config.config.http.host)}:${hub.httpPort}/`;
  const what = DEMO_DEVICES.map((group) => `${group.count} ${group.kind}`).join(', ');
  console.log(`Hearth demo: open ${url} to watch ${ids.length} simulated devices (${what}) send live data; data in ${config.config.storage.data_dir}. Ctrl-C stops.`);
  stopOnSignal(async () => {
    await simulation.stop();
    await hub.stop();
  });
}
