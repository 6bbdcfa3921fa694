/**
 * plugins/pico-ultrasonic on the real hub, with real MQTT clients sending
 * exactly what firmware/pico-ultrasonic sends (payloads.py). Times are
 * injected through the messages' `ts`; the motion timeout is set to a
 * fraction of a second so nothing waits for real minutes.
 */
import type { MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Schedule } from '../../plugins/pico-ultrasonic/schedule.ts';
import { localToEpoch } from '../../core/zoned-time.ts';
import { connectDevice, eventually, SECURE_BASE_CONFIG, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { resolve } from 'node:path';

// India has no daylight saving time: local = UTC + 5:30 all year, so expected instants are plain arithmetic.
const ZONE = 'Asia/Kolkata';
const OFFSET_MS = 5.5 * 3600_000;
const DAY_MS = 24 * 3600_000;
const JSON_BODY = { 'content-type': 'application/json' };
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A local day in ZONE some days back: its weekday, and the instant of a wall time on it (or the next days). */
function localDay(daysBack: number) {
  const noon = new Date(Date.now() + OFFSET_MS - daysBack * DAY_MS);
  const y = noon.getUTCFullYear();
  const m = noon.getUTCMonth();
  const d = noon.getUTCDate();
  return {
    weekday: DAYS[noon.getUTCDay()]!,
    nextWeekday: DAYS[(noon.getUTCDay() + 1) % 7]!,
    at: (hhmmss: string, ms = 0, plusDays = 0) => {
      const [h, min, s] = hhmmss.split(':').map(Number);
      return Date.UTC(y, m, d + plusDays, h, min, s, ms) - OFFSET_MS;
    },
    date: (plusDays = 0) => new Date(Date.UTC(y, m, d + plusDays)).toISOString().slice(0, 10),
  };
}

/** Date and time in ZONE, as the legacy firmware wrote them. */
const localStamp = (ts: number) => {
  const iso = new Date(ts + OFFSET_MS).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
};

/** Whole seconds a little ahead (the legacy payload has no finer time), and after anything the hub has shown yet. */
const nextSeconds = () => Math.ceil(Date.now() / 1000) * 1000 + 1000;

/** UTC date and time as the firmware writes them beside `ts` (clock.date_time). */
const utcDateTime = (ts: number) => {
  const iso = new Date(ts).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
};

interface Pico {
  client: MqttClient;
  commands: Array<{ key: string; payload: { id: string; value: unknown } }>;
  heartbeat(fields: { baseline: number; threshold: number; ts?: number }): Promise<void>;
  /** A triggered reading, as `payloads.event` builds it. */
  trigger(ts: number, distance: number, baseline: number): Promise<void>;
}

describe('plugin pico-ultrasonic', () => {
  let hub: TestHub;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await hub?.stop();
  });

  const start = async (options: string, extra: { dir?: string; base?: string; plugins?: string } = {}) => {
    hub = await startHub({
      ...extra,
      yaml: `plugins:\n  pico-ultrasonic:\n    timezone: ${ZONE}\n${options.replace(/^/gm, '    ')}\n${extra.plugins ?? ''}`,
    });
    expect(hub.hub.health().plugins['pico-ultrasonic']?.status).toBe('running');
  };
  const state = async (entityId: string) => (await hub.get(`/api/states/${entityId}`)).body;
  const intrusions = async (from: number) =>
    (await hub.get(`/api/events?type=pico-ultrasonic.intrusion&from=${new Date(from).toISOString()}&to=${new Date(Date.now() + DAY_MS).toISOString()}`)).body.items as Array<{
      ts: string;
      device_id: string;
      entity_id: string;
      data: Record<string, unknown>;
    }>;
  const logged = (pattern: RegExp) => eventually(() => hub.logs.some((l) => pattern.test(l.msg)));

  /** Boots like the firmware: last will, announce (retained), online, commands; acks a threshold as app.set_threshold does. */
  async function pico(id: string, options: { ack?: boolean; username?: string; password?: string } = {}): Promise<Pico> {
    const client = options.username
      ? await mqtt.connectAsync(hub.mqttUrl, {
          clientId: id,
          username: options.username,
          password: options.password,
          will: { topic: `hearth/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
          reconnectPeriod: 0,
        })
      : await connectDevice(hub.mqttUrl, id);
    clients.push(client);
    const commands: Pico['commands'] = [];
    client.on('message', (topic, raw) => {
      const key = topic.split('/')[3]!;
      const payload = JSON.parse(raw.toString()) as { id: string; value: unknown };
      commands.push({ key, payload });
      if (options.ack === false) return;
      // A device switched off by the end of a test may leave its ack unsent: no matter.
      client.publishAsync(`${topic}/ack`, JSON.stringify({ id: payload.id, ok: true, value: payload.value }), { qos: 1 }).catch(() => undefined);
    });
    const cm = { kind: 'sensor', unit: 'cm', device_class: 'distance', state_class: 'measurement' };
    const announcement = {
      id,
      name: id,
      model: 'pico-ultrasonic',
      manufacturer: 'Hearth',
      sw: '1.0.0',
      offline_after: 900,
      entities: [
        { key: 'distance', name: 'Distance', ...cm },
        { key: 'baseline', name: 'Baseline', ...cm },
        { key: 'rssi', kind: 'sensor', name: 'Wi-Fi signal', unit: 'dBm', device_class: 'signal_strength', state_class: 'measurement' },
        { key: 'threshold', kind: 'number', name: 'Trigger threshold', unit: 'cm' },
      ],
    };
    await client.publishAsync(`hearth/${id}/announce`, JSON.stringify(announcement), { qos: 1, retain: true });
    await client.publishAsync(`hearth/${id}/status`, 'online', { qos: 1, retain: true });
    await client.subscribeAsync(`hearth/${id}/cmd/+`, { qos: 1 });
    await eventually(async () => (await state(`switch.${id}_armed`)).state !== undefined);
    const telemetry = (message: object) => client.publishAsync(`hearth/${id}/telemetry`, JSON.stringify(message), { qos: 1 }).then(() => undefined);
    return {
      client,
      commands,
      heartbeat: ({ baseline, threshold, ts = Date.now() }) => telemetry({ threshold, ts, rssi: -61, baseline }),
      trigger: (ts, distance, baseline) => telemetry({ device_id: id, distance, baseline, ts, ...utcDateTime(ts) }),
    };
  }

  it('turns motion on at every trigger past its threshold and off after the timeout or back at the baseline', async () => {
    await start('motion_timeout: 0.3\ndevices: { porch: { threshold_cm: 50 } }');
    const garage = await pico('garage');
    const porch = await pico('porch');
    expect((await state('binary_sensor.garage_motion')).state).toBe(false);
    expect(hub.hub.entities.get('binary_sensor.garage_motion')).toMatchObject({ plugin: 'pico-ultrasonic', device_class: 'motion' });
    // Device times just after the hub showed motion off, and past by the time the timeout ends.
    const t0 = Date.now();

    // 22.4 cm from the baseline is under the default 30 cm; 125.2 cm is motion. The second
    // trigger, at the same distance 20 ms later, is a second pass: the motion lasts 300 ms past it.
    await garage.trigger(t0, 190, 212.4);
    await garage.trigger(t0 + 10, 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === true);
    expect((await state('binary_sensor.garage_motion')).last_changed).toBe(new Date(t0 + 10).toISOString());
    await new Promise((r) => setTimeout(r, 150));
    await garage.trigger(t0 + 30, 87.2, 212.4);
    const off = await eventually(async () => {
      const s = await state('binary_sensor.garage_motion');
      return s.state === false && s;
    });
    expect(off.last_changed).toBe(new Date(t0 + 30 + 300).toISOString());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect((await state('sensor.garage_distance')).state).toBe(87.2);

    // A reading back within the threshold ends the motion at once, at its own time.
    const t1 = Date.now();
    await garage.trigger(t1, 20, 212.4);
    await garage.trigger(t1 + 10, 200, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).last_changed === new Date(t1 + 10).toISOString());
    expect((await state('binary_sensor.garage_motion')).state).toBe(false);

    // The porch's own threshold is 50 cm: 40 cm is nothing there, 60 cm is motion.
    await porch.trigger(t1, 160, 200);
    await porch.trigger(t1 + 10, 140, 200);
    await eventually(async () => (await state('binary_sensor.porch_motion')).state === true);
    expect((await state('binary_sensor.porch_motion')).last_changed).toBe(new Date(t1 + 10).toISOString());
  });

  it('records an intrusion once per episode, with the exact time, only inside the arming windows', async () => {
    const day = localDay(3);
    const dir = tempDir();
    writeFiles(dir, {
      'plugins/listener/index.ts': `
        import { definePlugin } from '${resolve('core/plugin-api.ts')}';
        export default definePlugin({ id: 'listener', version: '1.0.0', hub: '^1.0.0', configSchema: { type: 'object' },
          setup(ctx) { ctx.bus.on('pico-ultrasonic.intrusion', (e) => ctx.log.info('heard intrusion at ' + e.local_time)); } });`,
    });
    // The window starts on that weekday only and ends the next morning.
    await start(`motion_timeout: 0.5\ndevices:\n  garage:\n    armed: [{ days: [${day.weekday}], from: "22:00", to: "06:30" }]`, { dir, plugins: '  listener: {}' });
    const garage = await pico('garage');
    const back = async (ts: number) => garage.trigger(ts, 212, 212.4);

    await garage.trigger(day.at('21:59:59', 500), 87.2, 212.4); // before the window
    await back(day.at('21:59:59', 900));
    const armedAt = day.at('22:00:00', 123);
    await garage.trigger(armedAt, 87.2, 212.4);
    await garage.trigger(armedAt + 100, 87.2, 212.4); // the same episode
    await garage.trigger(armedAt + 200, 95.5, 212.4);
    await back(armedAt + 300);
    // After midnight, on a day the window does not start on; sent as a queue after an outage:
    // 10 s apart, longer than the timeout, so two episodes.
    const night = day.at('03:00:00', 0, 1);
    await garage.client.publishAsync(
      'hearth/garage/telemetry',
      JSON.stringify([night, night + 10_000].map((ts) => ({ device_id: 'garage', distance: 60, baseline: 212.4, ts, ...utcDateTime(ts) }))),
      { qos: 1 },
    );
    await back(night + 10_100);
    await garage.trigger(day.at('06:30:00', 0, 1), 87.2, 212.4); // the window has ended
    await back(day.at('06:30:01', 0, 1));
    await garage.trigger(day.at('22:30:00', 0, 1), 87.2, 212.4); // the next day is not armed
    await back(day.at('22:30:01', 0, 1));
    // Those were all older than the motion state shown now, so they left it alone; this one is news.
    const now = Date.now();
    await garage.trigger(now, 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).last_changed === new Date(now).toISOString());

    const events = await intrusions(day.at('00:00:00'));
    expect(events.map((e) => e.ts).reverse()).toEqual([armedAt, night, night + 10_000].map((ts) => new Date(ts).toISOString()));
    const first = events.at(-1)!;
    expect(first).toMatchObject({ device_id: 'garage', entity_id: 'binary_sensor.garage_motion' });
    expect(first.data).toEqual({
      ts: armedAt,
      utc: new Date(armedAt).toISOString(),
      local_time: `${day.date()} 22:00:00.123 +05:30`,
      weekday: { sun: 'Sunday', mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday' }[day.weekday],
      utc_offset: '+05:30',
      time_zone: ZONE,
      device_id: 'garage',
      device_name: 'garage',
      entity_id: 'binary_sensor.garage_motion',
      distance_cm: 87.2,
      baseline_cm: 212.4,
      threshold_cm: 30,
    });
    expect(events[0]!.data.local_time).toBe(`${day.date(1)} 03:00:10.000 +05:30`);
    await logged(new RegExp(`^heard intrusion at ${day.date()} 22:00:00.123`));
  });

  it('arms and disarms by hand until the schedule next changes, across a restart', async () => {
    await start('motion_timeout: 0.2\ndevices: { garage: { armed: never } }');
    const garage = await pico('garage');
    expect(await state('switch.garage_armed')).toMatchObject({ state: false, attributes: { source: 'schedule' } });
    const arm = (value: unknown, entity = 'switch.garage_armed') =>
      fetch(`${hub.api}/api/entities/${entity}/commands`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ value }) });

    const t0 = Date.now();
    await garage.trigger(t0, 87.2, 212.4); // disarmed: motion, no intrusion
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === true);
    const armed = await arm('on');
    expect(armed.status).toBe(200);
    expect(await armed.json()).toMatchObject({ ok: true, value: true });
    expect(await state('switch.garage_armed')).toMatchObject({ state: true, attributes: { source: 'manual', until: null } });
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === false);
    await garage.trigger(Date.now(), 87.2, 212.4);
    await eventually(async () => (await intrusions(t0 - DAY_MS)).length === 1);

    const refused = await arm('maybe');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_value', message: 'switch.garage_armed (switch) takes true/false or "on"/"off", got "maybe"' } });
    expect((await arm(true, 'binary_sensor.garage_motion')).status).toBe(400);
    expect((await arm(true, 'switch.nowhere_armed')).status).toBe(404);

    // The manual setting outlives the hub; motion shown when it stopped does not.
    await garage.trigger(Date.now(), 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === true);
    await garage.client.endAsync(true);
    hub = await hub.restart();
    expect(await state('switch.garage_armed')).toMatchObject({ state: true, attributes: { source: 'manual' } });
    expect((await state('binary_sensor.garage_motion')).state).toBe(false);
    const rebooted = await pico('garage');
    await rebooted.trigger(Date.now(), 87.2, 212.4);
    await eventually(async () => (await intrusions(t0 - DAY_MS)).length === 2);

    // Back to the schedule (never): the next episode is no intrusion.
    expect(await (await arm(false)).json()).toMatchObject({ ok: true, value: false });
    expect(await state('switch.garage_armed')).toMatchObject({ state: false, attributes: { source: 'schedule' } });
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === false);
    const last = Date.now();
    await rebooted.trigger(last, 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).last_changed === new Date(last).toISOString());
    expect(await intrusions(t0 - DAY_MS)).toHaveLength(2);
  });

  it('sends the configured threshold when the device reports another one, and logs the ack or the silence', async () => {
    await start('threshold_ack_timeout: 0.3\ndevices: { garage: { threshold_cm: 25 }, porch: { threshold_cm: 45 } }');
    const garage = await pico('garage');
    await garage.heartbeat({ baseline: 212.4, threshold: 20 });
    await eventually(() => garage.commands.length === 1);
    expect(garage.commands[0]).toEqual({ key: 'threshold', payload: { id: expect.stringMatching(/^[0-9a-f]{12}$/), value: 25 } });
    await logged(/^device garage acknowledged threshold 25 cm$/);

    // Online again with the threshold it acknowledged: nothing to send.
    await garage.client.endAsync(true);
    await eventually(() => hub.hub.devices.get('garage')?.online === false);
    const rebooted = await pico('garage');
    await rebooted.heartbeat({ baseline: 212.4, threshold: 25 });
    await rebooted.trigger(Date.now(), 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.garage_motion')).state === true);
    await new Promise((r) => setTimeout(r, 100));
    expect(rebooted.commands).toEqual([]);

    const porch = await pico('porch', { ack: false });
    await porch.heartbeat({ baseline: 150, threshold: 20 });
    await eventually(() => porch.commands.length === 1);
    await logged(/^device porch did not acknowledge threshold 45 cm within 0.3 s/);
  });

  it('takes on a Pico made with `hearth device add` once it announces its model', async () => {
    await start('', { base: SECURE_BASE_CONFIG });
    const response = await fetch(`${hub.api}/api/devices`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ id: 'porch' }) });
    const { password } = ((await response.json()) as { mqtt: { password: string } }).mqtt;
    expect(hub.hub.entities.get('binary_sensor.porch_motion')).toBeUndefined();
    const porch = await pico('porch', { username: 'porch', password });
    expect(hub.hub.entities.get('binary_sensor.porch_motion')).toMatchObject({ plugin: 'pico-ultrasonic', device_id: 'porch' });
    await porch.trigger(Date.now(), 87.2, 212.4);
    await eventually(async () => (await state('binary_sensor.porch_motion')).state === true);
  });

  it('takes the legacy flat payload on its own topic, from a provisioned device or a new one, and rejects bad ones alone', async () => {
    await start('devices: { shed: { baseline_cm: 200, armed: always, name: Shed } }', { base: SECURE_BASE_CONFIG });
    const provision = async (id: string) => {
      const response = await fetch(`${hub.api}/api/devices`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ id }) });
      return ((await response.json()) as { mqtt: { password: string } }).mqtt.password;
    };
    const shed = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'shed', username: 'shed', password: await provision('shed'), reconnectPeriod: 0 });
    clients.push(shed);
    const base = nextSeconds();
    const send = (payload: unknown) => shed.publishAsync('pico/shed/distance', typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    const reading = (second: number, distance: unknown, extra = {}) => ({ device_id: 'shed', ...localStamp(base + second * 1000), distance, ...extra });

    await send(reading(0, 150)); // 50 cm from the baseline: motion, and an intrusion (armed always)
    await send('distance=87');
    await send('distance=88'); // the same mistake again: counted, not logged again within the minute
    await send(reading(1, 'far'));
    await send(reading(2, 120, { device_id: 'barn' }));
    await send({ ...reading(3, 120), date: '2026-02-30' });
    await send({ ...reading(4, 120), time: '25:10:09' });
    await send({ ...reading(5, 120), date: '2099-01-01' });
    await send(reading(6, 190)); // within 30 cm: motion ends

    await eventually(async () => (await state('sensor.shed_distance')).state === 190);
    const history = (await hub.get(`/api/history/sensor.shed_distance?from=${new Date(base - 1000).toISOString()}&to=${new Date(base + 10_000).toISOString()}`)).body;
    expect(JSON.stringify(history)).toContain('150');
    expect(hub.hub.entities.get('sensor.shed_distance')).toMatchObject({ plugin: 'pico-ultrasonic', unit: 'cm', device_id: 'shed' });
    expect(await state('binary_sensor.shed_motion')).toMatchObject({ state: false, last_changed: new Date(base + 6000).toISOString() });
    const events = await intrusions(base - DAY_MS);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      ts: new Date(base).toISOString(),
      device_id: 'shed',
      data: { ts: base, local_time: `${localStamp(base).date} ${localStamp(base).time}.000 +05:30`, distance_cm: 150, baseline_cm: 200, device_name: 'shed' },
    });

    const rejected = hub.logs.filter((l) => l.msg.startsWith('rejected legacy message on pico/shed/distance: ')).map((l) => l.reason);
    expect(rejected.sort()).toEqual(['invalid_json', 'invalid_payload', 'invalid_timestamp', 'invalid_timestamp', 'invalid_timestamp', 'invalid_value']);
    await logged(/device_id "barn" does not match the topic's device id "shed"/);
    await logged(/is more than a day in the future/);
    await logged(/date "2026-02-30" is not a day of the calendar/);

    // The topic is opened to the shed's account only.
    const barn = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'barn', username: 'barn', password: await provision('barn'), reconnectPeriod: 0 });
    clients.push(barn);
    const closed = new Promise<void>((resolve) => barn.once('close', () => resolve()));
    barn.publish('pico/shed/distance', JSON.stringify(reading(7, 100)), { qos: 1 });
    await closed;
    await logged(/^refused publish by MQTT client barn.* to pico\/shed\/distance$/);
  });

  it('creates a legacy device that never announced as its own, and leaves other topics to their owners', async () => {
    await start('legacy_topic: sensors/+/pico');
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    clients.push(client);
    const ts = nextSeconds();
    const { date, time } = localStamp(ts);
    await client.publishAsync('sensors/attic/pico', JSON.stringify({ device_id: 'attic', date, time, distance: 42.5 }), { qos: 1 });
    await eventually(async () => (await state('sensor.attic_distance')).state === 42.5);
    expect((await state('sensor.attic_distance')).last_updated).toBe(new Date(ts).toISOString());
    expect(hub.hub.devices.get('attic')).toMatchObject({ plugin: 'pico-ultrasonic', model: 'pico-ultrasonic-legacy', online: true });
    // Without a baseline every legacy message is a trigger: the old firmware sent only those.
    expect((await state('binary_sensor.attic_motion')).state).toBe(true);

    // An ESP32 is no Pico: its id on the legacy topic is refused, and it is left alone.
    const esp = await connectDevice(hub.mqttUrl, 'kitchen');
    clients.push(esp);
    await esp.publishAsync('hearth/kitchen/announce', JSON.stringify({ model: 'esp32-sensor', entities: [{ key: 'temperature', kind: 'sensor', unit: '°C' }] }), { qos: 1 });
    await client.publishAsync('sensors/kitchen/pico', JSON.stringify({ device_id: 'kitchen', date, time, distance: 10 }), { qos: 1 });
    await logged(/^rejected legacy message on sensors\/kitchen\/pico: device "kitchen" is not a Pico \(model esp32-sensor\)/);
    expect(hub.hub.entities.get('binary_sensor.kitchen_motion')).toBeUndefined();
  });
});

describe('arming schedules', () => {
  const berlin = (date: string, time: string) => localToEpoch({ year: +date.slice(0, 4), month: +date.slice(5, 7), day: +date.slice(8), hour: +time.slice(0, 2), minute: +time.slice(3), second: 0 }, 'Europe/Berlin');

  it('reads local times across midnight and daylight saving time', () => {
    // 2026-03-27 is a Friday; clocks go forward on Sunday 2026-03-29 at 02:00.
    const weekend = new Schedule([{ days: ['fri', 'sat'], from: '22:00', to: '06:30' }], 'Europe/Berlin');
    expect(berlin('2026-03-27', '22:00')).toBe(Date.UTC(2026, 2, 27, 21, 0));
    expect(berlin('2026-03-29', '06:00')).toBe(Date.UTC(2026, 2, 29, 4, 0));
    expect(weekend.armedAt(berlin('2026-03-27', '21:59'))).toBe(false);
    expect(weekend.armedAt(berlin('2026-03-27', '22:00'))).toBe(true);
    expect(weekend.armedAt(berlin('2026-03-28', '06:29'))).toBe(true);
    expect(weekend.armedAt(berlin('2026-03-28', '06:30'))).toBe(false);
    expect(weekend.armedAt(berlin('2026-03-29', '06:00'))).toBe(true); // Saturday night, after the clocks changed
    expect(weekend.armedAt(berlin('2026-03-29', '22:00'))).toBe(false); // Sunday is not in days
    expect(weekend.nextChange(berlin('2026-03-28', '12:00'))).toBe(berlin('2026-03-28', '22:00'));
    expect(weekend.nextChange(berlin('2026-03-29', '03:00'))).toBe(Date.UTC(2026, 2, 29, 4, 30));
  });

  it('takes always and never, and refuses an empty window', () => {
    expect(new Schedule('always', 'UTC').armedAt(0)).toBe(true);
    expect(new Schedule('never', 'UTC').nextChange(0)).toBeNull();
    expect(new Schedule([{ from: '00:00', to: '24:00' }], 'UTC').armedAt(Date.UTC(2026, 0, 1, 23, 59, 59))).toBe(true);
    expect(() => new Schedule([{ from: '08:00', to: '18:00' }, { from: '07:00', to: '07:00' }], 'UTC')).toThrow(
      'armed[1]: from and to are both 07:00; for a whole day write from: "00:00", to: "24:00"',
    );
  });
});
