import { createHash } from 'node:crypto';
import { between, clamp, firstRssi, jittered, nextRssi, noise, round } from './random.ts';
import { SimDevice, type DeviceIo, type Outgoing, type Schedule, type SimDeviceInit } from './sim-device.ts';

/** A Shelly Plus Plug S (Gen2): what Shelly.GetDeviceInfo reports. */
const MODEL = 'SNPL-00112EU';
const APP = 'PlusPlugS';
const FIRMWARE = { ver: '1.4.4', fw_id: '20241011-114455/1.4.4-g6d2a586' };
/** Shelly's RPC error codes (gen2 "Common Errors"); an unknown method gets 404 with "No handler for <method>". */
const INVALID_ARGUMENT = -103;
const NOT_FOUND = -105;
const NO_HANDLER = 404;

/** Why the embedded broker refuses a Shelly: it keeps every account under hearth/<id>/. */
const REFUSAL_HINT =
  'Shelly topics lie outside hearth/<id>/, where the embedded broker keeps every account: until the Shelly plugin exists, use a broker with mqtt.allow_anonymous: true, or an external broker (--broker)';

type RpcAnswer = { result: object } | { error: { code: number; message: string } };

interface SwitchStatus {
  id: 0;
  source: string;
  output: boolean;
  apower: number;
  voltage: number;
  current: number;
  aenergy: { total: number; by_minute: [number, number, number]; minute_ts: number };
  temperature: { tC: number; tF: number };
}

/** A stable MAC address from the sim id, and the device id Shelly derives from it (`<model>-<mac>`), which is also its default topic prefix. */
export function shellyIdentity(simId: string): { mac: string; deviceId: string } {
  const mac = createHash('sha256').update(simId).digest('hex').slice(0, 12).toUpperCase();
  return { mac, deviceId: `shellyplusplugs-${mac.toLowerCase()}` };
}

/**
 * A Shelly Plus Plug S speaking Gen2 MQTT (shelly-api-docs.shelly.cloud/gen2,
 * RPC channels): `<id>/online` retained true/false (false is the last will),
 * the whole Switch status on `<id>/status/switch:0` at `rate` per second,
 * NotifyFullStatus at connect and NotifyStatus on changes on
 * `<id>/events/rpc`, and RPC requests on `<id>/rpc` answered on `<src>/rpc`.
 * Shelly's supported QoS is 1, so everything is QoS 1.
 */
export class ShellyDevice extends SimDevice {
  readonly description: string;
  readonly schedules: Schedule[];
  private readonly mac: string;
  private readonly bootedAt = Date.now();
  private readonly ip: string;
  private readonly load: number;
  private readonly state: SwitchStatus;
  private lastMeasuredAt = Date.now();
  private minuteMwh = 0;
  private rssi: number;

  constructor(simId: string, init: SimDeviceInit) {
    const { mac, deviceId } = shellyIdentity(simId);
    const will: Outgoing = { topic: `${deviceId}/online`, payload: 'false', qos: 1, retain: true };
    super(simId, { clientId: deviceId, will, goodbye: will, subscriptions: [`${deviceId}/rpc`], refusalHint: REFUSAL_HINT });
    this.mac = mac;
    this.ip = `192.168.1.${100 + (init.index % 150)}`;
    this.load = round(between(this.random, 20, 150));
    this.rssi = firstRssi(this.random);
    const voltage = round(between(this.random, 228, 232));
    this.state = {
      id: 0,
      source: 'init',
      output: true,
      apower: this.load,
      voltage,
      current: round(this.load / voltage, 3),
      aenergy: { total: round(between(this.random, 1000, 50_000), 3), by_minute: [0, 0, 0], minute_ts: minuteStart(Date.now()) },
      temperature: celsius(38),
    };
    this.description = `${simId}: Shelly Plus Plug S ${deviceId}, ${this.load} W load, status every ${round(1 / init.rate, 2)} s, topics ${deviceId}/…`;
    this.schedules = [{ nextDelayMs: () => jittered(this.random, 1000 / init.rate, 0.1), run: (io) => this.measure(io) }];
  }

  connected(io: DeviceIo): void {
    io.publish({ ...this.will, payload: 'true' });
    io.publish(this.notification('NotifyFullStatus', this.fullStatus()));
    this.publishStatus(io);
  }

  message(io: DeviceIo, topic: string, payload: Buffer): void {
    if (topic !== `${this.clientId}/rpc`) return;
    let request: { id?: unknown; src?: unknown; method?: unknown; params?: unknown };
    try {
      request = JSON.parse(payload.toString('utf8')) as typeof request;
    } catch {
      return;
    }
    // Without a source there is no topic to answer on; the device drops such a frame.
    if (typeof request?.src !== 'string' || request.src === '' || request.id === undefined) return;
    const params = typeof request.params === 'object' && request.params !== null ? (request.params as Record<string, unknown>) : {};
    const answer = this.call(io, String(request.method), params);
    const response = { id: request.id, src: this.clientId, dst: request.src, ...answer };
    if (io.publish({ topic: `${request.src}/rpc`, payload: JSON.stringify(response), qos: 1, retain: false })) io.answered();
  }

  private call(io: DeviceIo, method: string, params: Record<string, unknown>): RpcAnswer {
    switch (method) {
      case 'Shelly.GetStatus':
        return { result: this.fullStatus() };
      case 'Shelly.GetDeviceInfo':
        return { result: { name: null, id: this.clientId, mac: this.mac, model: MODEL, gen: 2, ...FIRMWARE, app: APP, auth_en: false, auth_domain: null } };
      case 'Switch.GetStatus':
        return switchId(params) ?? { result: this.state };
      case 'Switch.Set': {
        if (typeof params.on !== 'boolean') return rpcError(INVALID_ARGUMENT, params.on === undefined ? "Missing required 'on'" : "Invalid 'on': expected true or false");
        return switchId(params) ?? this.switchTo(io, params.on);
      }
      case 'Switch.Toggle':
        return switchId(params) ?? this.switchTo(io, !this.state.output);
      default:
        return rpcError(NO_HANDLER, `No handler for ${method}`);
    }
  }

  private switchTo(io: DeviceIo, on: boolean): RpcAnswer {
    const wasOn = this.state.output;
    this.state.output = on;
    this.state.source = 'MQTT';
    if (on !== wasOn) {
      this.settle();
      io.publish(this.notification('NotifyStatus', { 'switch:0': { id: 0, output: on, source: 'MQTT', apower: this.state.apower, current: this.state.current } }));
      this.publishStatus(io);
    }
    return { result: { was_on: wasOn } };
  }

  /** One reading of the meter: power wanders around the load while on, energy adds up per minute. */
  private measure(io: DeviceIo): void {
    this.settle();
    const { apower, voltage, current, aenergy, temperature } = this.state;
    io.publish(this.notification('NotifyStatus', { 'switch:0': { id: 0, apower, voltage, current, aenergy, temperature } }));
    this.publishStatus(io);
  }

  private settle(): void {
    const now = Date.now();
    const s = this.state;
    const wh = (s.apower * (now - this.lastMeasuredAt)) / 3_600_000;
    this.lastMeasuredAt = now;
    s.aenergy.total = round(s.aenergy.total + wh, 3);
    // by_minute: mWh of the last three whole minutes, newest first; minute_ts: start of the current one.
    const minute = minuteStart(now);
    for (let m = s.aenergy.minute_ts; m < minute; m += 60) {
      s.aenergy.by_minute = [round(this.minuteMwh, 3), s.aenergy.by_minute[0], s.aenergy.by_minute[1]];
      this.minuteMwh = 0;
    }
    s.aenergy.minute_ts = minute;
    this.minuteMwh += wh * 1000;
    s.apower = s.output ? round(clamp(this.load + noise(this.random, this.load * 0.03), 0, 3500)) : 0;
    s.voltage = round(clamp(s.voltage + noise(this.random, 0.3), 220, 240));
    s.current = round(s.apower / s.voltage, 3);
    s.temperature = celsius(clamp(s.temperature.tC + noise(this.random, 0.1) + (30 + s.apower / 20 - s.temperature.tC) * 0.05, 20, 90));
    this.rssi = nextRssi(this.random, this.rssi, 1);
  }

  private publishStatus(io: DeviceIo): void {
    io.publish({ topic: `${this.clientId}/status/switch:0`, payload: JSON.stringify(this.state), qos: 1, retain: false });
  }

  private notification(method: 'NotifyStatus' | 'NotifyFullStatus', params: object): Outgoing {
    const frame = { src: this.clientId, dst: `${this.clientId}/events`, method, params: { ts: round(Date.now() / 1000, 2), ...params } };
    return { topic: `${this.clientId}/events/rpc`, payload: JSON.stringify(frame), qos: 1, retain: false };
  }

  private fullStatus(): object {
    const now = Date.now();
    return {
      ble: {},
      cloud: { connected: false },
      mqtt: { connected: true },
      plugs_ui: {},
      'switch:0': this.state,
      sys: {
        mac: this.mac,
        restart_required: false,
        time: new Date(now).toTimeString().slice(0, 5),
        unixtime: Math.floor(now / 1000),
        uptime: Math.floor((now - this.bootedAt) / 1000),
        ram_size: 262_144,
        ram_free: 141_000,
        fs_size: 458_752,
        fs_free: 176_128,
        cfg_rev: 12,
        kvs_rev: 0,
        schedule_rev: 0,
        webhook_rev: 0,
        available_updates: {},
      },
      wifi: { sta_ip: this.ip, status: 'got ip', ssid: 'hearth-sim', rssi: this.rssi },
    };
  }
}

/** The Switch methods' `id`: only switch 0 exists on a plug. Undefined when it is fine. */
function switchId(params: Record<string, unknown>): RpcAnswer | undefined {
  if (params.id === undefined) return rpcError(INVALID_ARGUMENT, "Missing required 'id'");
  if (params.id !== 0) return rpcError(NOT_FOUND, `Bad id=${JSON.stringify(params.id)}`);
  return undefined;
}

function rpcError(code: number, message: string): RpcAnswer {
  return { error: { code, message } };
}

function minuteStart(ms: number): number {
  return Math.floor(ms / 60_000) * 60;
}

function celsius(tC: number): { tC: number; tF: number } {
  return { tC: round(tC), tF: round(tC * 1.8 + 32) };
}
