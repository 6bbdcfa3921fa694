import { NativeSimDevice, quoted, type AnnouncedEntity, type CommandResult } from './native-device.ts';
import { between, clamp, firstRssi, jittered, nextRssi, noise, round } from './random.ts';
import type { DeviceIo, Outgoing, Schedule, SimDeviceInit } from './sim-device.ts';

const measurement = (key: string, name: string, unit: string, device_class?: string): AnnouncedEntity => ({
  key,
  kind: 'sensor',
  name,
  unit,
  ...(device_class ? { device_class } : {}),
  state_class: 'measurement',
});

/** The announce of firmware/esp32-sensor 1.x (protocol.cpp, buildAnnounce); tests of the esp32 plugin send it too. */
export const ESP32_ANNOUNCED_ENTITIES: readonly AnnouncedEntity[] = [
  measurement('temperature', 'Temperature', '°C', 'temperature'),
  measurement('humidity', 'Humidity', '%', 'humidity'),
  ...(['x', 'y', 'z'] as const).map((axis) => measurement(`accel_${axis}`, `Acceleration ${axis.toUpperCase()}`, 'm/s²')),
  ...(['x', 'y', 'z'] as const).map((axis) => measurement(`gyro_${axis}`, `Gyroscope ${axis.toUpperCase()}`, '°/s')),
  measurement('battery', 'Battery', '%', 'battery'),
  measurement('rssi', 'Wi-Fi signal', 'dBm', 'signal_strength'),
  { key: 'interval', kind: 'number', name: 'Report interval', unit: 's' },
  { key: 'output', kind: 'switch', name: 'Output' },
];
const INTERVAL_RANGE_S = [5, 3600] as const;
const GRAVITY = 9.81;
/** The battery loses a percent every ten minutes and is "replaced" when nearly flat, so long runs stay plausible. */
const BATTERY_DRAIN_MS_PER_PERCENT = 600_000;

/**
 * An ESP32 with a temperature/humidity sensor and an IMU (at rest: gravity on
 * z plus noise), on battery, as firmware/esp32-sensor behaves. It reports
 * everything every `interval` seconds;
 * the simulation starts at `rate` reports per second (its `interval` shows
 * 1/rate, kept within the firmware's 5..3600 s) and, like the firmware,
 * takes `cmd/interval` and `cmd/output`, acks, and reports the new value at
 * once. PubSubClient publishes at QoS 0 only, so everything here is QoS 0.
 */
export class Esp32Device extends NativeSimDevice {
  readonly description: string;
  readonly schedules: Schedule[];
  private readonly name: string;
  private readonly comfort: number;
  private periodMs: number;
  private interval: number;
  private temperature: number;
  private humidity: number;
  private rssi: number;
  private batteryFullAt: number;
  private output = false;

  constructor(simId: string, init: SimDeviceInit) {
    super(simId, 0);
    this.name = `Sim ESP32 ${init.index}`;
    this.periodMs = 1000 / init.rate;
    this.interval = clamp(Math.round(this.periodMs / 1000), ...INTERVAL_RANGE_S);
    this.comfort = round(21 + noise(this.random, 1));
    this.temperature = this.comfort;
    this.humidity = round(between(this.random, 40, 55));
    this.rssi = firstRssi(this.random);
    // As if the battery had been charged a while ago: 60-100 % at start.
    this.batteryFullAt = Date.now() - between(this.random, 0, 40) * BATTERY_DRAIN_MS_PER_PERCENT;
    this.description = `${simId}: ESP32 sensor (esp32-sensor), reporting every ${round(this.periodMs / 1000, 2)} s, topics hearth/${simId}/…`;
    this.schedules = [{ nextDelayMs: () => jittered(this.random, this.periodMs, 0.05), run: (io) => this.report(io) }];
  }

  connected(io: DeviceIo): void {
    io.publish(this.announcement());
    io.publish(this.native.online);
    // The firmware's loop reports as soon as it is connected after boot.
    this.report(io);
  }

  /** As firmware/esp32-sensor/src/device.cpp: the ack, a new announce after an interval change, then a report with the new value. */
  message(io: DeviceIo, topic: string, payload: Buffer): void {
    const applied = this.native.command(io, topic, payload, {
      handlers: { interval: (value) => this.setInterval(value), output: (value) => this.setOutput(value) },
      unknown: (key) => `unknown command "${key}" (commands: interval, output)`,
    });
    if (!applied) return;
    if (applied.key === 'interval') {
      // offline_after follows the interval: without a new announce a longer interval would read as offline.
      io.publish(this.announcement());
      io.resetSchedules();
    }
    this.report(io);
  }

  private setInterval(value: unknown): CommandResult {
    const [min, max] = INTERVAL_RANGE_S;
    if (typeof value !== 'number' || !Number.isInteger(value)) return { ok: false, error: `interval takes a whole number of seconds (${min}-${max}), got ${quoted(value)}` };
    if (value < min || value > max) return { ok: false, error: `interval must be ${min}-${max} s, got ${quoted(value)}` };
    this.interval = value;
    this.periodMs = value * 1000;
    return { ok: true, value };
  }

  private setOutput(value: unknown): CommandResult {
    if (typeof value === 'boolean') this.output = value;
    else if (value === 'on' || value === 'off') this.output = value === 'on';
    else return { ok: false, error: `output takes true/false or "on"/"off", got ${quoted(value)}` };
    return { ok: true, value: this.output };
  }

  private announcement(): Outgoing {
    return this.native.announce({ name: this.name, model: 'esp32-sensor', sw: '1.0.0', offline_after: offlineAfter(this.interval), entities: ESP32_ANNOUNCED_ENTITIES });
  }

  private report(io: DeviceIo): void {
    const r = this.random;
    // Random walks pulled back towards where they started: drifting, never running away.
    this.temperature += noise(r, 0.05) + (this.comfort - this.temperature) * 0.02;
    this.humidity = clamp(this.humidity + noise(r, 0.2), 20, 90);
    this.rssi = nextRssi(r, this.rssi, 1.5);
    let battery = 100 - (Date.now() - this.batteryFullAt) / BATTERY_DRAIN_MS_PER_PERCENT;
    if (battery < 5) {
      this.batteryFullAt = Date.now();
      battery = 100;
    }
    io.publish(
      this.native.telemetry({
        ts: Date.now(),
        // Rounded as the firmware does: no more digits than the sensor resolves.
        temperature: round(this.temperature, 2),
        humidity: round(this.humidity, 1),
        accel_x: round(noise(r, 0.05), 2),
        accel_y: round(noise(r, 0.05), 2),
        accel_z: round(GRAVITY + noise(r, 0.05), 2),
        gyro_x: round(noise(r, 0.3), 1),
        gyro_y: round(noise(r, 0.3), 1),
        gyro_z: round(noise(r, 0.3), 1),
        battery: Math.round(battery),
        rssi: this.rssi,
        interval: this.interval,
        output: this.output,
      }),
    );
  }
}

function offlineAfter(intervalS: number): number {
  return Math.max(60, 3 * intervalS);
}
