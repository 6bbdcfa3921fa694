/**
 * A real Mosquitto for tests: its own config, password file and port in a
 * temp dir, on 127.0.0.1 only. Missing binaries fail the test (CI installs
 * them through .ci/run); they never skip it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closedPort } from './ports.ts';

const run = promisify(execFile);

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
export const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';

export interface MosquittoOptions {
  /** user → password; when given, anonymous clients are refused */
  users?: Record<string, string>;
}

export interface Mosquitto {
  port: number;
  /** mqtt://127.0.0.1:<port> */
  url: string;
  dir: string;
  /** Publishes with the mosquitto_pub command, a separate process. */
  pub(topic: string, message: string, options?: { qos?: 0 | 1 | 2; retain?: boolean; username?: string; password?: string }): Promise<void>;
  /** Stops the broker (SIGTERM, SIGKILL after 3 s); `start()` runs it again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** stop() and remove the temp dir */
  dispose(): Promise<void>;
}

export function requireMosquitto(): void {
  const missing = [MOSQUITTO, MOSQUITTO_PASSWD, MOSQUITTO_PUB].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not found: the external-broker tests need a real Mosquitto. ` +
        'Run `apt-get install mosquitto mosquitto-clients` (CI installs them via .ci/run).',
    );
  }
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  requireMosquitto();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-'));
  const port = await closedPort();
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning'];
  // as root mosquitto would switch to the "mosquitto" user, who cannot read the temp dir
  if (process.getuid?.() === 0) lines.push('user root');
  if (options.users && Object.keys(options.users).length > 0) {
    const passwd = join(dir, 'passwd');
    let first = true;
    for (const [user, password] of Object.entries(options.users)) {
      await run(MOSQUITTO_PASSWD, first ? ['-b', '-c', passwd, user, password] : ['-b', passwd, user, password]);
      first = false;
    }
    lines.push('allow_anonymous false', `password_file ${passwd}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, lines.join('\n') + '\n');

  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async () => {
    stderr = '';
    const proc = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    let exited: string | undefined;
    proc.once('exit', (code, signal) => {
      exited = `mosquitto exited (${signal ?? code}) before accepting connections: ${stderr.trim()}`;
    });
    proc.once('error', (error) => {
      exited = `mosquitto could not start: ${error.message}`;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited) throw new Error(exited);
      if (await accepts(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`mosquitto did not accept connections on 127.0.0.1:${port} within 10 s: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async pub(topic, message, pubOptions = {}) {
      const args = ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-m', message, '-q', String(pubOptions.qos ?? 0)];
      if (pubOptions.retain) args.push('-r');
      if (pubOptions.username !== undefined) args.push('-u', pubOptions.username);
      if (pubOptions.password !== undefined) args.push('-P', pubOptions.password);
      await run(MOSQUITTO_PUB, args, { timeout: 10_000 });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
