import { withAccountStores } from '../cli-device.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { DEVICE_ID_PATTERN } from '../registry/devices.ts';
import { accountsOf, provisionSims } from './provision-sims.ts';
import { SIM_KINDS, Simulation, simIds, speaksNative, type SimGroup, type SimKind, type SimulationOptions } from './simulator.ts';

export interface SimulateArgs {
  kind?: string;
  devices?: string;
  rate?: string;
  broker?: string;
  prefix?: string;
  username?: string;
  password?: string;
}

interface SimulatePlan {
  group: SimGroup;
  prefix: string;
  broker?: string;
  login?: { username: string; password: string };
}

const MAX_DEVICES = 10_000;
const BROKER_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:'];
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Checks the command line of `hearth simulate`; each mistake is named with its option. */
function parseSimulateArgs(args: SimulateArgs): SimulatePlan {
  const kind = args.kind as SimKind;
  if (!SIM_KINDS.includes(kind)) throw new Error(`--kind: expected one of ${SIM_KINDS.join(', ')}, got ${JSON.stringify(args.kind ?? '')}`);
  const count = Number(args.devices ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > MAX_DEVICES) throw new Error(`--devices: expected a whole number from 1 to ${MAX_DEVICES}, got "${args.devices}"`);
  const rate = Number(args.rate ?? 0.2);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 100) throw new Error(`--rate: expected messages per second per device, above 0 and at most 100 (e.g. 0.2), got "${args.rate}"`);
  const prefix = args.prefix ?? 'sim';
  const longest = simIds(prefix, kind, count).at(-1)!;
  if (!DEVICE_ID_PATTERN.test(longest)) throw new Error(`--prefix: "${prefix}" gives device ids such as "${longest}"; use letters, digits, "_" or "-" (ids are at most 64 characters)`);
  if (args.broker !== undefined) {
    let url: URL;
    try {
      url = new URL(args.broker);
    } catch {
      throw new Error(`--broker: "${args.broker}" is not a URL such as mqtt://localhost:1883`);
    }
    if (!BROKER_PROTOCOLS.includes(url.protocol)) throw new Error(`--broker: expected ${BROKER_PROTOCOLS.map((p) => `${p}//`).join(', ')} URL, got "${args.broker}"`);
  }
  if ((args.username === undefined) !== (args.password === undefined)) throw new Error('--username and --password go together');
  return {
    group: { kind, count, rate },
    prefix,
    ...(args.broker !== undefined ? { broker: args.broker } : {}),
    ...(args.username !== undefined ? { login: { username: args.username, password: args.password! } } : {}),
  };
}

/** Where a client on this machine reaches a server listening on `host` (every interface, or none given, includes loopback). */
export function connectHost(host: string | undefined): string {
  return host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/**
 * The broker and the logins: `--broker` (or the config's external broker) as
 * given; otherwise the embedded broker of the hub using this config, where
 * native devices get their accounts through the data dir when it requires
 * them, just as `hearth device add` makes them.
 */
async function target(plan: SimulatePlan, loadConfig: () => LoadedConfig, print: (line: string) => void): Promise<Pick<SimulationOptions, 'url' | 'credentials'>> {
  const { login } = plan;
  const given = login ? { credentials: () => login } : {};
  if (plan.broker) return { url: plan.broker, ...given };
  const loaded = loadConfig();
  const { file, config } = loaded;
  if (config.mqtt.url) return { url: config.mqtt.url, ...given };
  if (config.mqtt.port === 0) throw new Error(`mqtt.port is 0 in ${file}: the simulator cannot know which port the hub picked; pass --broker mqtt://host:port or set HEARTH_MQTT_PORT`);
  const url = `mqtt://${connectHost(config.mqtt.host)}:${config.mqtt.port}`;
  if (login || config.mqtt.allow_anonymous || !speaksNative(plan.group.kind)) return { url, ...given };
  const ids = simIds(plan.prefix, plan.group.kind, plan.group.count);
  const dataDir = config.storage.data_dir;
  // Each account costs a password hash (scrypt, tens of milliseconds): say so before a long wait.
  if (ids.length > 20) print(`sim: making accounts for ${ids.length} devices in ${dataDir}…`);
  // Through the data dir, beside a running hub (WAL lets both write).
  const passwords = await withAccountStores(loaded, (stores) => provisionSims(stores, ids));
  print(`sim: ${ids.length} device account${ids.length === 1 ? '' : 's'} ready in ${dataDir} (new passwords; earlier runs' devices are reused)`);
  return { url, credentials: accountsOf(passwords) };
}

/** The simulation `hearth simulate` runs, for the CLI and for tests (which may shorten its periods). */
export async function startSimulation(
  args: SimulateArgs,
  loadConfig: () => LoadedConfig,
  overrides: Pick<SimulationOptions, 'print' | 'summaryEveryMs' | 'heartbeatMs'> = {},
): Promise<Simulation> {
  const plan = parseSimulateArgs(args);
  const print = overrides.print ?? ((line: string) => console.log(line));
  return Simulation.start({ ...(await target(plan, loadConfig, print)), groups: [plan.group], prefix: plan.prefix, ...overrides, print });
}

/** `hearth simulate`: runs virtual devices until SIGINT or SIGTERM; exits 1 if every device gave up. */
export async function simulate(args: SimulateArgs, loadConfig: () => LoadedConfig): Promise<void> {
  const simulation = await startSimulation(args, loadConfig);
  void simulation.allFailed.then(async () => {
    console.error('sim: every device gave up; nothing left to simulate');
    await simulation.stop();
    process.exit(1);
  });
  stopOnSignal(() => simulation.stop());
}

/** Runs `stop` on the first SIGINT or SIGTERM, then exits 0 (1 if it hangs). */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      console.error(`did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
