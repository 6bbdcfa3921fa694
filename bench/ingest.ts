/**
 * End-to-end ingest against the targets of its issue: 1,000 simulated devices
 * over real MQTT connections to the hub started in-process, committed
 * readings/s (QoS 0 and QoS 1), publish → `state_changed` latency at a paced
 * 2,000 messages/s, and the command round trip over HTTP; and the same
 * load against a bare aedes broker as the ceiling, running beside it with
 * its own 1,000 devices, the floods alternating between the two.
 * `npm run bench:ingest`; prints a table and writes the numbers under
 * `ingest` in bench/results.json.
 *
 * The devices run in a child process (bench/ingest-devices.ts): on a 2-core
 * machine that gives the broker one core and the load generator the other,
 * instead of the clients' own parsing and writing stealing the broker's time.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import pino from 'pino';
import { loadConfig } from '../core/config/load-config.ts';
import { Hub } from '../core/hub.ts';
import { deviceId, wallMs, type DeviceCommand, type DeviceGroup, type DeviceReply } from './ingest-protocol.ts';

const DEVICES = 1000;
/** Devices that also announce a switch and ack commands at once. */
const SWITCHES = 10;
/**
 * A flood lasts FLOOD_MS; throughput is counted over WINDOW_MS, starting
 * WARMUP_MS after the first message arrived. The flood outlasts the window by
 * seconds: a saturated event loop runs its timers late (by up to ~2 s here),
 * and a window that reached past the flood's end would count idle time.
 */
const FLOOD_MS = 12_000;
const WARMUP_MS = 1000;
const WINDOW_MS = 5000;
const PACE_RATE = 2000;
const PACE_MS = 5000;
const COMMANDS = 300;
/**
 * Floods per QoS and target, alternating hub and bare broker. This machine's
 * speed drifts by tens of percent within minutes; alternating lets both see
 * the same drift, and the medians keep one unlucky flood from deciding.
 */
const ROUNDS = 3;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) };
};

// ---------------------------------------------------------------- the devices

const child = fork(fileURLToPath(new URL('./ingest-devices.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
child.on('exit', (code) => {
  if (code !== 0) {
    console.error(`device simulator exited with ${code}`);
    process.exit(1);
  }
});
function ask<T extends DeviceReply['type']>(command: DeviceCommand, type: T): Promise<Extract<DeviceReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: DeviceReply) => (reply.type === type ? resolve(reply as Extract<DeviceReply, { type: T }>) : reject(new Error(`expected ${type}, got ${reply.type}`))));
    child.send(command);
  });
}

/** How far the child's wall clock is ahead of ours (ms), from the ping with the shortest round trip. */
async function clockOffset(): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 30; i++) {
    const sent = wallMs();
    const { child: theirs } = await ask({ cmd: 'clock', parent: sent }, 'clock');
    const back = wallMs();
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: theirs - (sent + back) / 2 };
  }
  return best.offset;
}

/** Target under test: how many telemetry messages it has taken in (readings accepted, for the hub), and a hook per received value. */
interface Target {
  group: DeviceGroup;
  url: string;
  /** read at an instant, without waiting for anything (a forced commit would charge its wait to the window) */
  count(): number;
  /** readings accepted but not committed yet (the hub's, at the window's end) */
  backlog(): number;
  onValue(fn: ((value: number, at: number) => void) | null): void;
  /** until nothing more arrives: backlog of a flood drained */
  settle(): Promise<void>;
}

type Flood = Awaited<ReturnType<typeof flood>>;

async function flood(target: Target, qos: 0 | 1) {
  const before = target.count();
  const asked = performance.now();
  const done = ask({ cmd: 'flood', group: target.group, qos, ms: FLOOD_MS }, 'flooded');
  while (target.count() === before) {
    if (performance.now() - asked > FLOOD_MS) throw new Error('no message of the flood arrived');
    await sleep(5);
  }
  await sleep(WARMUP_MS);
  const from = target.count();
  const began = performance.now();
  const cpu = process.cpuUsage();
  await sleep(WINDOW_MS);
  const to = target.count();
  const ended = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  const backlog = target.backlog();
  const sent = await done;
  if (ended - asked >= sent.ms) throw new Error(`the counting window ended ${Math.round(ended - asked)} ms after the flood began, past its ${sent.ms} ms`);
  await target.settle();
  // This process's CPU (every thread: for the hub, also its writer and checkpointer) per message counted.
  const cpuMicrosPerMessage = round((user + system) / (to - from), 2);
  return { perSecond: Math.round((to - from) / ((ended - began) / 1000)), cpuMicrosPerMessage, backlogAtEnd: backlog, sent: sent.sent, sentPerSecond: Math.round(sent.sent / (sent.ms / 1000)), generatorCpu: round(sent.cpuMs / sent.ms) };
}

async function paced(target: Target, qos: 0 | 1, offset: number) {
  const latencies: number[] = [];
  target.onValue((value, at) => latencies.push(at - (value - offset)));
  // The receiving event loop's stalls, which is where a p99 comes from.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const sent = await ask({ cmd: 'pace', group: target.group, qos, rate: PACE_RATE, ms: PACE_MS }, 'paced');
  loop.disable();
  await target.settle();
  target.onValue(null);
  const loopDelay = { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) };
  return { rate: Math.round(sent.sent / (sent.ms / 1000)), sent: sent.sent, received: latencies.length, ...summary(latencies), loopDelay };
}

async function settleOn(count: () => number): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const now = count();
    if (now === last) return;
    last = now;
    await sleep(300);
  }
}

// ---------------------------------------------------------------- the targets

/** The real hub in this process: embedded broker, no plugins, SQLite in a temp dir. */
async function startHub() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-ingest-'));
  const file = join(dir, 'hearth.yaml');
  writeFileSync(file, `http: { host: 127.0.0.1, port: 0 }\nmqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }\nlog: { level: warn }\n`);
  const hub = await Hub.start({ config: loadConfig(file, { env: {} }), log: pino({ level: 'warn' }) });
  let hook: ((value: number, at: number) => void) | null = null;
  let changes = 0;
  hub.bus.on('state_changed', (change) => {
    changes++;
    if (hook && typeof change.new_state.state === 'number' && change.entity_id.startsWith('sensor.bench_')) hook(change.new_state.state, wallMs());
  });
  const target: Target = {
    group: 'hub',
    url: `mqtt://127.0.0.1:${hub.mqttPort}`,
    count() {
      const { written, pending } = hub.store.health();
      return written + pending;
    },
    backlog: () => hub.store.health().pending,
    onValue: (fn) => (hook = fn),
    // Counted readings are committed ones: once the devices stop, everything accepted must reach the database.
    async settle() {
      await settleOn(target.count);
      await hub.store.flush();
      const { pending, status, error } = hub.store.health();
      if (pending !== 0 || status !== 'ok') throw new Error(`readings were accepted but not committed: ${pending} pending, store ${status} ${error ?? ''}`);
    },
  };
  const stop = async () => {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { hub, target, stateChanges: () => changes, stop };
}

/** A bare aedes broker on a `net` server, with one in-process subscriber that only counts. */
async function startBare() {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let received = 0;
  let hook: ((value: number, at: number) => void) | null = null;
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      'hearth/+/telemetry',
      (packet, done) => {
        received++;
        // Parsed only while latency is measured: the flood counts bare deliveries.
        if (hook) hook((JSON.parse(String(packet.payload)) as { temperature: number }).temperature, wallMs());
        done();
      },
      resolve,
    ),
  );
  const target: Target = {
    group: 'bare',
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => received,
    backlog: () => 0,
    onValue: (fn) => (hook = fn),
    settle: () => settleOn(target.count),
  };
  const stop = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { aedes, target, stop };
}

/** Sequential `POST /api/entities/<switch>/commands`, spread over the switch devices; the device acks at once. */
async function commands(port: number) {
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < COMMANDS; i++) {
    const entity = `switch.${deviceId(i % SWITCHES).replace('-', '_')}_relay`;
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/api/entities/${entity}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: i % 2 === 0 }),
    });
    const body = (await response.json()) as { ok?: boolean };
    times.push(performance.now() - started);
    if (response.status !== 200 || body.ok !== true) failed++;
  }
  return { ...summary(times), failed };
}

/** Both targets running, each with its own 1,000 connected devices; floods alternate between them. */
async function measure(hubSide: Awaited<ReturnType<typeof startHub>>, bareSide: Awaited<ReturnType<typeof startBare>>) {
  const { hub } = hubSide;
  const connected = await ask({ cmd: 'connect', group: 'hub', url: hubSide.target.url, devices: DEVICES, switches: SWITCHES }, 'connected');
  const registerStart = performance.now();
  const ids = Array.from({ length: DEVICES }, (_, i) => `sensor.${deviceId(i).replace('-', '_')}_temperature`);
  const switches = Array.from({ length: SWITCHES }, (_, i) => `switch.${deviceId(i).replace('-', '_')}_relay`);
  while (!ids.every((id) => hub.entities.get(id)) || !switches.every((id) => hub.entities.get(id))) {
    if (performance.now() - registerStart > 30_000) throw new Error('devices were not all registered within 30 s');
    await sleep(50);
  }
  const bareConnected = await ask({ cmd: 'connect', group: 'bare', url: bareSide.target.url, devices: DEVICES, switches: 0 }, 'connected');
  const offset = await clockOffset();

  const floods = { qos0: { hub: [] as Flood[], bare: [] as Flood[] }, qos1: { hub: [] as Flood[], bare: [] as Flood[] } };
  for (const qos of [0, 1] as const) {
    for (let round = 0; round < ROUNDS; round++) {
      floods[`qos${qos}`].hub.push(await flood(hubSide.target, qos));
      floods[`qos${qos}`].bare.push(await flood(bareSide.target, qos));
    }
  }
  const latency0 = await paced(hubSide.target, 0, offset);
  const latency1 = await paced(hubSide.target, 1, offset);
  const bareLatency0 = await paced(bareSide.target, 0, offset);
  const commandsIdle = await commands(hub.httpPort);
  const written = hub.store.health();
  const clients = { hub: hub.health().broker.clients ?? 0, bare: bareSide.aedes.connectedClients };
  await ask({ cmd: 'disconnect' }, 'disconnected');
  return { connected: { hub: connected, bare: bareConnected }, clients, registered: ids.length, clockOffsetMs: round(offset, 3), floods, latency0, latency1, bareLatency0, commands: commandsIdle, store: { written: written.written, status: written.status }, stateChanges: hubSide.stateChanges() };
}

/** The median flood of each side, the ratio of the medians, and each round's own ratio. */
function compare(hub: Flood[], bare: Flood[]) {
  const hubMedian = median(hub.map((f) => f.perSecond));
  const bareMedian = median(bare.map((f) => f.perSecond));
  return {
    hub: hubMedian,
    bare: bareMedian,
    ratio: round(hubMedian / bareMedian),
    roundRatios: hub.map((f, i) => round(f.perSecond / bare[i]!.perSecond)),
    cpuMicrosPerMessage: { hub: median(hub.map((f) => f.cpuMicrosPerMessage)), bare: median(bare.map((f) => f.cpuMicrosPerMessage)) },
  };
}

// ---------------------------------------------------------------- report

async function main(): Promise<void> {
  const began = performance.now();
  const hubSide = await startHub();
  const bareSide = await startBare();
  let run: Awaited<ReturnType<typeof measure>>;
  try {
    run = await measure(hubSide, bareSide);
  } finally {
    await hubSide.stop();
    await bareSide.stop();
  }
  child.send({ cmd: 'exit' } satisfies DeviceCommand);
  const qos0 = compare(run.floods.qos0.hub, run.floods.qos0.bare);
  const qos1 = compare(run.floods.qos1.hub, run.floods.qos1.bare);
  const { latency0, latency1, bareLatency0 } = run;
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
    setup: { devices: DEVICES, switches: SWITCHES, rounds: ROUNDS, floodMs: FLOOD_MS, warmupMs: WARMUP_MS, windowMs: WINDOW_MS, paceRate: PACE_RATE, paceMs: PACE_MS, commands: COMMANDS, loadGenerator: 'child process' },
    ...run,
    ratio: { qos0: qos0.ratio, qos1: qos1.ratio },
    compared: { qos0, qos1 },
    totalSeconds: Math.round((performance.now() - began) / 1000),
  };
  const n = (x: number) => x.toLocaleString('en');
  const list = (values: number[]) => values.map(n).join(', ');
  const rows: Array<[string, string, string | number, boolean | null]> = [
    ['connected devices (hub clients, entities registered)', '>= 1,000', `${run.clients.hub} / ${run.registered}`, run.clients.hub >= 1000 && run.registered >= 1000],
    [`QoS 0: hub, readings/s, ${ROUNDS} floods (all committed)`, '', list(run.floods.qos0.hub.map((f) => f.perSecond)), null],
    [`QoS 0: bare aedes, messages/s, ${ROUNDS} floods`, '', list(run.floods.qos0.bare.map((f) => f.perSecond)), null],
    ['QoS 0: hub, most readings not yet committed at a window end', '', n(Math.max(...run.floods.qos0.hub.map((f) => f.backlogAtEnd))), null],
    ['QoS 0: hub / bare, each round', '', qos0.roundRatios.join(', '), null],
    ['QoS 0: hub / bare, medians', '>= 0.7', qos0.ratio, qos0.ratio >= 0.7],
    ['QoS 0: CPU µs per message (medians), hub (all threads) / bare', '', `${qos0.cpuMicrosPerMessage.hub} / ${qos0.cpuMicrosPerMessage.bare}`, null],
    [`QoS 1: hub, readings/s, ${ROUNDS} floods (journaled before PUBACK, all committed)`, '', list(run.floods.qos1.hub.map((f) => f.perSecond)), null],
    [`QoS 1: bare aedes, messages/s, ${ROUNDS} floods`, '', list(run.floods.qos1.bare.map((f) => f.perSecond)), null],
    ['QoS 1: hub / bare, each round', '', qos1.roundRatios.join(', '), null],
    ['QoS 1: hub / bare, medians', '>= 0.7', qos1.ratio, qos1.ratio >= 0.7],
    [`QoS 0 at ${n(latency0.rate)}/s: publish -> state_changed p50 ms`, '', latency0.p50, null],
    [`QoS 0 at ${n(latency0.rate)}/s: publish -> state_changed p99 ms`, '< 20', latency0.p99, latency0.p99 < 20 && latency0.rate >= PACE_RATE * 0.95],
    [`QoS 0 at ${n(latency0.rate)}/s: hub event-loop delay p99 / max ms`, '', `${latency0.loopDelay.p99} / ${latency0.loopDelay.max}`, null],
    [`QoS 1 at ${n(latency1.rate)}/s: publish -> state_changed p50 / p99 ms`, '', `${latency1.p50} / ${latency1.p99}`, null],
    [`bare QoS 0 at ${n(bareLatency0.rate)}/s: publish -> delivery p50 / p99 ms`, '', `${bareLatency0.p50} / ${bareLatency0.p99}`, null],
    ['command round trip (HTTP, device acks), p50 ms', '', run.commands.p50, null],
    ['command round trip (HTTP, device acks), p99 ms', '< 50', run.commands.p99, run.commands.p99 < 50 && run.commands.failed === 0],
  ];
  console.log(`ingest benchmark: ${DEVICES} devices per target in a child process, ${results.machine.cpus} x ${results.machine.model}, node ${process.version}, ${results.totalSeconds} s`);
  console.table(rows.map(([metric, target, measured, pass]) => ({ metric, target, measured, pass: pass === null ? '' : pass ? 'yes' : 'NO' })));
  const sentRate = (floods: Flood[]) => `${list(floods.map((f) => f.sentPerSecond))}/s (${list(floods.map((f) => f.generatorCpu))} core)`;
  console.log(
    `load generator sent QoS 0 ${sentRate(run.floods.qos0.hub)} to the hub and ${sentRate(run.floods.qos0.bare)} to bare aedes; ` +
      `latency runs: ${latency0.received}/${latency0.sent} and ${latency1.received}/${latency1.sent} state changes seen`,
  );
  const file = new URL('results.json', import.meta.url);
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...existing, ingest: results }, null, 2)}\n`);
}

await main();
