import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatIssue } from './config/errors.ts';
import { loadConfig, type LoadedConfig } from './config/load-config.ts';
import { deviceAdd, pair } from './cli-device.ts';
import { startHubOrExit } from './cli-start.ts';
import { tokenCommand, USER_USAGE, userCommand } from './cli-user.ts';
import { pluginIssues } from './http/config-check.ts';
import { createLogger, type LogLevel } from './log.ts';
import { HUB_ROOT, HUB_VERSION } from './paths.ts';
import { simulate } from './simulate/cli-simulate.ts';
import { demo } from './simulate/demo.ts';

const USAGE = `Hearth ${HUB_VERSION}: a home and IoT automation hub

Usage:
  hearth start [--config FILE]        run the hub
  hearth check-config [FILE]          validate the configuration and every plugin's options
  hearth device add ID [--name N] [--room R] [--kind pico|esp32|generic]
                                      create a device and its MQTT account; prints the password once
  hearth pair [--minutes 5]           open the pairing window: new devices may join with the printed key
${USER_USAGE}
  hearth simulate --kind pico|esp32|shelly [--devices 1] [--rate 0.2] [--prefix sim]
                  [--broker URL [--username U --password P]]
                                      run virtual devices (rate: messages/s per device) until Ctrl-C;
                                      without --broker, on the hub of the config, with accounts made for them
  hearth demo                         the hub with simulated devices: live data at once (data in <data dir>/demo)
  hearth --version

The config file is FILE, else $HEARTH_CONFIG, else ./config/hearth.yaml.`;

const SHUTDOWN_DEADLINE_MS = 5000;

/** FILE, else $HEARTH_CONFIG, else ./config/hearth.yaml, else the one shipped with the hub. */
function configPath(given: string | undefined): string {
  if (given) return resolve(given);
  if (process.env.HEARTH_CONFIG) return resolve(process.env.HEARTH_CONFIG);
  const local = resolve('config', 'hearth.yaml');
  return existsSync(local) ? local : join(HUB_ROOT, 'config', 'hearth.yaml');
}

function exitWithProblems(lines: string[]): never {
  for (const line of lines) console.error(line);
  console.error(`${lines.length} problem${lines.length === 1 ? '' : 's'} in the configuration`);
  process.exit(1);
}

function printConfigError(error: unknown): never {
  if (error instanceof ConfigError) exitWithProblems(error.issues.map(formatIssue));
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

function loadOrExit(file: string | undefined): LoadedConfig {
  try {
    return loadConfig(configPath(file));
  } catch (error) {
    printConfigError(error);
  }
}

async function checkConfig(file: string): Promise<void> {
  const loaded = loadOrExit(file);
  const issues = await pluginIssues(loaded);
  if (issues.length > 0) exitWithProblems(issues.map(formatIssue));
  console.log(`${loaded.file}: valid (${loaded.plugins.length} plugin${loaded.plugins.length === 1 ? '' : 's'})`);
}

async function start(file: string): Promise<void> {
  const config = loadOrExit(file);
  const log = createLogger(config.config.log.level as LogLevel);
  log.info(`Hearth ${HUB_VERSION} starting with ${config.file}`);
  const hub = await startHubOrExit(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    const deadline = setTimeout(() => {
      log.error(`did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void hub.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      name: { type: 'string' },
      room: { type: 'string' },
      kind: { type: 'string' },
      minutes: { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      broker: { type: 'string' },
      prefix: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      user: { type: 'string' },
    },
  });
  const [command, argument, deviceId] = positionals;
  if (values.version) return console.log(HUB_VERSION);
  if (values.help || !command) return console.log(USAGE);
  if (command === 'start') return start(configPath(values.config));
  if (command === 'check-config') return checkConfig(configPath(argument ?? values.config));
  if (command === 'device' && argument === 'add' && deviceId) {
    return deviceAdd(loadOrExit(values.config), { id: deviceId, name: values.name, room: values.room, kind: values.kind });
  }
  if (command === 'pair') return pair(loadOrExit(values.config), Number(values.minutes ?? 5));
  if (command === 'user') return userCommand(loadOrExit(values.config), positionals.slice(1), values);
  if (command === 'token') return tokenCommand(loadOrExit(values.config), positionals.slice(1), values);
  if (command === 'simulate') return simulate(values, () => loadOrExit(values.config));
  if (command === 'demo') return demo(loadOrExit(values.config));
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  process.exit(2);
}

await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
