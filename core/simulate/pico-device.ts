import { NativeSimDevice, quoted, type AnnouncedEntity, type CommandResult } from './native-device.ts';
import { between, clamp, firstRssi, nextRssi, noise, round } from './random.ts';
import type { DeviceIo, Outgoing, Schedule, SimDeviceInit } from './sim-device.ts';

const ENTITIES: AnnouncedEntity[] = [
  { key: 'distance', kind: 'sensor', name: 'Distance', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
  { key: 'baseline', kind: 'sensor', name: 'Baseline', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
  { key: 'rssi', kind: 'sensor', name: 'Wi-Fi signal', unit: 'dBm', device_class: 'signal_strength', state_class: 'measurement' },
  { key: 'threshold', kind: 'number', name: 'Trigger threshold', unit: 'cm' },
];
/** Three missed heartbeats (of the firmware's 300 s) and the hub shows the device offline. */
const OFFLINE_AFTER_S = 900;
/** firmware/pico-ultrasonic/config.py */
const DEFAULT_THRESHOLD_CM = 20;
const THRESHOLD_RANGE_CM = [1, 400] as const;
/** Closest a passer-by gets to the sensor (the HC-SR04 reads nothing useful below ~2 cm anyway). */
const NEAREST_CM = 25;
/** Triggered messages kept while the broker is unreachable, oldest dropped first (the firmware's QUEUE_SIZE). */
const QUEUE_LIMIT = 100;

/**
 * A Pico W with an HC-SR04 looking across a hallway, as
 * firmware/pico-ultrasonic behaves: a stable baseline (the far wall) and, at
 * `rate` per second on average, someone walking past, reported as one
 * triggered message with the distance well below the baseline (the real
 * sensor also waits 2 s between events; the simulation sends at the rate
 * asked). Heartbeats carry the threshold, signal strength and baseline.
 * Triggers while the broker is unreachable are queued and sent on reconnect
 * with their original timestamps. Everything is QoS 1, as umqtt.simple sends it.
 */
export class PicoDevice extends NativeSimDevice {
  readonly description: string;
  readonly schedules: Schedule[];
  private readonly name: string;
  private readonly wall: number;
  private baseline: number;
  private rssi: number;
  private threshold = DEFAULT_THRESHOLD_CM;
  private readonly queue: Outgoing[] = [];

  constructor(simId: string, init: SimDeviceInit) {
    super(simId, 1);
    this.name = `Sim Pico ${init.index}`;
    this.wall = round(between(this.random, 150, 250));
    this.baseline = this.wall;
    this.rssi = firstRssi(this.random);
    this.description = `${simId}: Pico W ultrasonic (pico-ultrasonic), baseline ${this.wall} cm, about ${init.rate} triggers/s, topics hearth/${simId}/…`;
    const meanTriggerMs = 1000 / init.rate;
    this.schedules = [
      // People arrive at random: exponential gaps with the asked-for mean.
      { nextDelayMs: () => -Math.log(1 - this.random()) * meanTriggerMs, run: (io) => this.trigger(io) },
      { nextDelayMs: () => init.heartbeatMs, run: (io) => this.heartbeat(io) },
    ];
  }

  connected(io: DeviceIo): void {
    io.publish(this.native.announce({ name: this.name, model: 'pico-ultrasonic', sw: '1.1.0', offline_after: OFFLINE_AFTER_S, entities: ENTITIES }));
    io.publish(this.native.online);
    // The firmware's main loop: queued events first, then a heartbeat at once after connecting.
    while (this.queue.length > 0 && io.publish(this.queue[0]!)) this.queue.shift();
    this.heartbeat(io);
  }

  /** As the firmware's main loop: the ack, then the threshold now in effect on telemetry, so Hearth's number follows at once. */
  message(io: DeviceIo, topic: string, payload: Buffer): void {
    const applied = this.native.command(io, topic, payload, {
      handlers: { threshold: (value) => this.setThreshold(value) },
      unknown: (key) => `unknown command "${key}" (this device takes: threshold)`,
    });
    if (applied) io.publish(this.native.telemetry({ threshold: this.threshold, ts: Date.now() }));
  }

  private setThreshold(value: unknown): CommandResult {
    const [min, max] = THRESHOLD_RANGE_CM;
    if (value === undefined) return { ok: false, error: 'no "value" in the command' };
    if (typeof value !== 'number') return { ok: false, error: `threshold must be a number of cm, got ${quoted(value)}` };
    if (value < min || value > max) return { ok: false, error: `threshold must be between ${min} and ${max} cm, got ${quoted(value)}` };
    this.threshold = value;
    return { ok: true, value };
  }

  private trigger(io: DeviceIo): void {
    // Only someone nearer than baseline - threshold is an event; with a
    // threshold that large nobody can be, and the firmware stays silent.
    const farthest = this.baseline - this.threshold - 5;
    if (farthest <= NEAREST_CM) return;
    const ts = Date.now();
    const iso = new Date(ts).toISOString();
    const body = { device_id: this.simId, distance: round(between(this.random, NEAREST_CM, farthest)), baseline: this.baseline, ts, date: iso.slice(0, 10), time: iso.slice(11, 19) };
    const message = this.native.telemetry(body);
    if (io.publish(message)) return;
    if (this.queue.push(message) > QUEUE_LIMIT) this.queue.shift();
  }

  private heartbeat(io: DeviceIo): void {
    // The learned baseline barely moves (temperature changes the speed of sound a little).
    this.baseline = round(clamp(this.baseline + noise(this.random, 0.1), this.wall - 1, this.wall + 1));
    this.rssi = nextRssi(this.random, this.rssi, 1.5);
    io.publish(this.native.telemetry({ threshold: this.threshold, ts: Date.now(), rssi: this.rssi, baseline: this.baseline }));
  }
}
