import { Esp32Device } from './esp32-device.ts';
import { MqttLink, type LinkProblem } from './mqtt-link.ts';
import { PicoDevice } from './pico-device.ts';
import { ShellyDevice } from './shelly-device.ts';
import type { DeviceIo, SimDevice, SimDeviceInit } from './sim-device.ts';

export const SIM_KINDS = ['pico', 'esp32', 'shelly'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

const DEVICES: Record<SimKind, new (simId: string, init: SimDeviceInit) => SimDevice> = {
  pico: PicoDevice,
  esp32: Esp32Device,
  shelly: ShellyDevice,
};

/** Kinds speaking the native protocol: only they can live with a Hearth device account. */
export function speaksNative(kind: SimKind): boolean {
  return kind !== 'shelly';
}

/** `sim-pico-1` … `sim-pico-N`: the same ids on every run, so a re-run finds its devices (and their history) again. */
export function simIds(prefix: string, kind: SimKind, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${kind}-${i + 1}`);
}

export interface SimGroup {
  kind: SimKind;
  count: number;
  /** messages per second per device */
  rate: number;
}

export interface SimulationOptions {
  url: string;
  groups: SimGroup[];
  /** default `sim` */
  prefix?: string;
  /** MQTT credentials by client id; none means an anonymous login */
  credentials?: (clientId: string) => { username: string; password: string } | undefined;
  /** where the lines go; default stdout */
  print?: (line: string) => void;
  /** default 10 s; 0 for none */
  summaryEveryMs?: number;
  /** the Pico's heartbeat period; default the firmware's 300 s */
  heartbeatMs?: number;
  /** first connections in flight at once; default 20 */
  connectConcurrency?: number;
}

export interface SimStats {
  devices: number;
  connected: number;
  /** devices that gave up (refused login or topic) */
  failed: number;
  sent: number;
  /** command acks and RPC responses sent */
  answered: number;
  reconnects: number;
}

interface Running {
  device: SimDevice;
  link: MqttLink;
  io: DeviceIo;
  timers: NodeJS.Timeout[];
  answered: number;
}

const STOP_DEADLINE_MS = 4000;

/**
 * Runs simulated devices against a broker: prints one line per device, then
 * a summary every 10 s; connects them a few at a time (a hub checks a
 * password hash per login); keeps each device's schedules running whether
 * or not it is connected (a Pico queues its triggers meanwhile); and on
 * stop sends each device's offline status and disconnects it cleanly.
 */
export class Simulation {
  readonly devices: SimDevice[] = [];
  /** Resolves if every device has given up: nothing is left to simulate. */
  readonly allFailed: Promise<void>;
  private settleAllFailed!: () => void;
  private readonly running: Running[] = [];
  private readonly print: (line: string) => void;
  private readonly reported = new Set<string>();
  private summaryTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(private readonly options: SimulationOptions) {
    this.print = options.print ?? ((line) => console.log(line));
    this.allFailed = new Promise((resolve) => (this.settleAllFailed = resolve));
    const prefix = options.prefix ?? 'sim';
    for (const group of options.groups) {
      simIds(prefix, group.kind, group.count).forEach((simId, i) => {
        const device = new DEVICES[group.kind](simId, { rate: group.rate, index: i + 1, heartbeatMs: options.heartbeatMs ?? 300_000 });
        this.devices.push(device);
        this.running.push(this.prepare(device));
        this.print(device.description);
      });
    }
    const summaryEveryMs = options.summaryEveryMs ?? 10_000;
    if (summaryEveryMs > 0) this.summaryTimer = setInterval(() => this.print(this.summary()), summaryEveryMs);
    void this.connectAll(options.connectConcurrency ?? 20);
  }

  static start(options: SimulationOptions): Simulation {
    return new Simulation(options);
  }

  stats(): SimStats {
    const stats: SimStats = { devices: this.running.length, connected: 0, failed: 0, sent: 0, answered: 0, reconnects: 0 };
    for (const { link, answered } of this.running) {
      if (link.connected) stats.connected++;
      if (link.failed) stats.failed++;
      stats.sent += link.sent;
      stats.answered += answered;
      stats.reconnects += link.reconnects;
    }
    return stats;
  }

  /** The line printed every 10 s. */
  summary(): string {
    const s = this.stats();
    return `sim: ${s.connected} of ${plural(s.devices, 'device')} connected, ${this.counts(s)}`;
  }

  private counts(s: SimStats): string {
    return `${plural(s.sent, 'message')} sent, ${plural(s.answered, 'ack')}, ${plural(s.reconnects, 'reconnect')}${s.failed ? `, ${s.failed} gave up` : ''}`;
  }

  /** Every device publishes its offline status and disconnects; a broker that does not answer gets its connections dropped after a few seconds. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.summaryTimer);
    for (const running of this.running) running.timers.forEach(clearTimeout);
    await Promise.all(this.running.map(({ device, link }) => link.stop(device.goodbye, STOP_DEADLINE_MS)));
    const stats = this.stats();
    this.print(`sim: stopped ${plural(stats.devices, 'device')}, ${this.counts(stats)}`);
  }

  private prepare(device: SimDevice): Running {
    const credentials = this.options.credentials?.(device.clientId);
    // The callbacks run only once connecting starts, after `running` exists.
    const link = new MqttLink({
      url: this.options.url,
      clientId: device.clientId,
      ...credentials,
      will: device.will,
      subscriptions: device.subscriptions,
      onConnect: () => {
        // Connected again after an outage: the next outage deserves its line again.
        this.reported.delete('unreachable');
        device.connected(running.io);
      },
      onMessage: (topic, payload) => device.message(running.io, topic, payload),
      onProblem: (problem) => this.problem(running, problem, credentials?.username),
    });
    const running: Running = {
      device,
      link,
      timers: [],
      answered: 0,
      io: {
        publish: (message) => link.publish(message),
        get connected() {
          return link.connected;
        },
        answered: () => {
          running.answered++;
        },
        resetSchedules: () => this.arm(running, false),
      },
    };
    this.arm(running, true);
    return running;
  }

  /** (Re)starts the device's schedules; the first ones at a random phase, so many devices never fire together. */
  private arm(running: Running, randomPhase: boolean): void {
    running.timers.forEach(clearTimeout);
    running.timers = running.device.schedules.map((schedule, i) => {
      const fire = () => {
        if (this.stopping) return;
        schedule.run(running.io);
        running.timers[i] = setTimeout(fire, schedule.nextDelayMs());
      };
      return setTimeout(fire, schedule.nextDelayMs() * (randomPhase ? Math.random() : 1));
    });
  }

  /** At most `concurrency` first connections in flight: each makes the hub check a password hash. */
  private async connectAll(concurrency: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.running.length && !this.stopping) await this.running[next++]!.link.start();
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, this.running.length) }, worker));
  }

  /** One line per kind of trouble (a thousand devices refused for the same reason print it once). */
  private problem(running: Running, problem: LinkProblem, username: string | undefined): void {
    const { device } = running;
    const { url } = this.options;
    if (problem.fatal) running.timers.forEach(clearTimeout);
    if (!this.reported.has(problem.kind)) {
      this.reported.add(problem.kind);
      this.print(describeProblem(problem, { simId: device.simId, clientId: device.clientId, url, username, hint: device.refusalHint }));
    }
    if (this.running.every((r) => r.link.failed)) this.settleAllFailed();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeProblem(problem: LinkProblem, about: { simId: string; clientId: string; url: string; username: string | undefined; hint: string }): string {
  const { simId, clientId, url, username, hint } = about;
  switch (problem.kind) {
    case 'login_refused':
      return `${simId}: ${url} refused the login ${username ? `as "${username}"` : 'without a username'} (${problem.reason}); the device stops. ${hint}`;
    case 'publish_refused':
      return `${simId}: ${url} closes the connection each time ${clientId} publishes to ${problem.topic}, so it refuses that topic; the device stops. ${hint}`;
    case 'subscribe_refused':
      return `${simId}: ${url} refused the subscription to ${problem.filter}: commands will not reach the device. ${hint}`;
    case 'unreachable':
      return `sim: cannot reach the broker at ${url} (${problem.reason}); retrying with backoff`;
  }
}
