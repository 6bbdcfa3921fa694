/**
 * The Pico W firmware's modules on real MicroPython (the WebAssembly port,
 * pinned in package.json), for what CPython's host tests cannot tell: the
 * firmware's files, unchanged, with the host tests' hardware fakes
 * (tests/fakes) on MicroPython's own time, json, float formatting, integer
 * ticks and filesystem. Each test gets a fresh interpreter. The main loop
 * against the real hub on MicroPython: pico-ultrasonic.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { secretsFile } from '../../core/auth/device-snippets.ts';
import { loadFirmware } from '../../firmware/pico-ultrasonic/tests/micropython/load-firmware.ts';
import { PICO_ANNOUNCED_ENTITIES } from '../support/pico-announce.ts';

const PASSWORD = 's3cr3t-Pa55word-0123456789abcdef';
const SECRETS = secretsFile('pico', { deviceId: 'garage', password: PASSWORD, host: '192.0.2.5', port: 1883 })!;
const TS = 1741964966123; // 2025-03-14 15:09:26.123 UTC

/** Python written indented inside the test, flush left. */
function flushLeft(code: string): string {
  const lines = code.replace(/^\n/, '').trimEnd().split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.length - line.trimStart().length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

async function micropython() {
  const output: string[] = [];
  const mp = await loadFirmware({ flash: { [SECRETS.name]: SECRETS.content }, console: (line) => output.push(line) });
  mp.runPython('import json');
  return {
    output,
    run: (code: string) => void mp.runPython(flushLeft(code)),
    /** A Python expression's value, through MicroPython's json. */
    value<T = unknown>(expression: string): T {
      mp.runPython(`_value = json.dumps(${expression})`);
      return JSON.parse(String(mp.globals.get('_value'))) as T;
    },
  };
}

describe('Pico W ultrasonic firmware on MicroPython-wasm', () => {
  let py: Awaited<ReturnType<typeof micropython>>;
  beforeEach(async () => {
    py = await micropython();
  });

  it('is real MicroPython, with the ticks of the RP2040 and a clock counting from 1970', () => {
    expect(py.value('__import__("sys").implementation.name')).toBe('micropython');
    py.run('import time, clock');
    // ticks wrap at 2**30 as on the Pico; the firmware only ever uses ticks_add/ticks_diff on them
    expect(py.value('time.ticks_add(0, -1)')).toBe(2 ** 30 - 1);
    expect(py.value('time.ticks_diff(5, time.ticks_add(0, -5))')).toBe(10);
    // the host tests' fake counts from 2000: here the other branch of clock.EPOCH_OFFSET_S runs
    expect(py.value('clock.EPOCH_OFFSET_S')).toBe(0);
    expect(py.value(`clock.date_time(${TS})`)).toEqual(['2025-03-14', '15:09:26']);
    expect(py.value('clock.date_time(1735689599999)')).toEqual(['2024-12-31', '23:59:59']);
  });

  it('reads the sonar: the median of the echoes, time-outs (-2, -1) and out-of-range echoes never a distance', () => {
    py.run(`
      import machine, sonar
      us = machine.us_for_cm
      s = sonar.Sonar(3, 2, 5, 0, 30000)
      machine.pulses = [-2, us(100), -1, us(102), us(101)]
    `);
    expect(py.value<number>('s.read_cm()')).toBeCloseTo(101, 1);
    expect(py.value('(s.no_pulse, s.no_echo)')).toEqual([1, 1]);
    py.run('machine.pulses = [-1, -2, -1, us(100), us(101)]');
    expect(py.value('s.read_cm()')).toBeNull(); // most samples failed
    py.run('machine.pulses = [us(1), us(450), us(120), us(121), us(122)]');
    expect(py.value<number>('s.read_cm()')).toBeCloseTo(121, 1);
    expect(py.value('s.out_of_range')).toBe(2);
    py.run('machine.distance_cm = None'); // nothing in front: every echo times out
    expect(py.value('s.read_cm()')).toBeNull();
    expect(py.value('s.no_echo')).toBe(1 + 2 + 5);
    // each sample: a 10 us pulse on TRIG, then the HIGH echo timed on ECHO with the configured time-out
    expect(py.value('machine.pins[3].levels[-3:]')).toEqual([0, 1, 0]);
    expect(py.value('machine.calls[-1]')).toEqual([2, 1, 30000]);
    expect(py.value('sonar.median([4, 1, 3, 2])')).toBe(2.5);
  });

  it('triggers once per passer-by, re-arms, holds off across the ticks wrap and relearns a new baseline', () => {
    py.run(`
      import time
      from trigger import Trigger
      def feed(t, distances, every_ms=200):
          global now
          events = []
          for i, d in enumerate(distances):
              if t.update(d, now):
                  events.append(i)
              now = time.ticks_add(now, every_ms)
          return events
      now = time.ticks_add(0, -1000)  # one second before the ticks wrap
      t = Trigger(20, 3, 2000, 600000)
    `);
    expect(py.value('feed(t, [50, 201, 199])')).toEqual([]);
    expect(py.value('t.baseline')).toBe(199);
    // out, back, out again within the 2 s hold-off: the second pass fires once the hold-off is over
    expect(py.value('feed(t, [80, 199, 80, 199, 199, 199, 199, 199, 199, 199, 80])')).toEqual([0, 10]);
    expect(py.value('now')).toBeLessThan(10_000); // the ticks wrapped between the two
    expect(py.value('feed(t, [199] * 10 + [179, 219])')).toEqual([]); // exactly the threshold is no event
    expect(py.value('feed(t, [150, 120, 90, 95, 130, 160, 199, 199])')).toEqual([0]); // someone walking past
    py.run('t = Trigger(20, 3, 2000, 600000)');
    py.run('feed(t, [200, 200, 200])');
    // a car parks at 120 cm: one event, and after 10 minutes it is the new baseline
    expect(py.value('feed(t, [120] * 600, every_ms=1000)')).toEqual([0]);
    expect(py.value('feed(t, [121], every_ms=1000)')).toEqual([]);
    expect(py.value('t.baseline')).toBe(121);
    expect(py.output).toContain('baseline relearnt: 200.0 cm -> 121.0 cm (the distance stayed there)');
  });

  it('builds exactly the JSON of the device protocol', () => {
    py.run('import link, payloads');
    const wire = (expression: string) => py.value<string>(`link.encode(${expression}).decode()`);

    const event = wire(`payloads.event("garage", 80.04, 199.96, ${TS})`);
    expect(JSON.parse(event)).toStrictEqual({ ts: TS, device_id: 'garage', date: '2025-03-14', time: '15:09:26', distance: 80, baseline: 200 });
    // one decimal, as floats; the time stamp as an integer
    for (const field of ['"distance": 80.0', '"baseline": 200.0', `"ts": ${TS}`]) expect(event).toContain(field);
    expect(JSON.parse(wire('payloads.event("garage", 80.06, 200, None)'))).toStrictEqual({ device_id: 'garage', distance: 80.1, baseline: 200 });

    const heartbeat = wire(`payloads.heartbeat(${TS}, -61, 200.04, 20)`);
    expect(JSON.parse(heartbeat)).toStrictEqual({ ts: TS, rssi: -61, baseline: 200, threshold: 20 });
    expect(heartbeat).toContain('"baseline": 200.0');
    expect(JSON.parse(wire('payloads.heartbeat(None, None, None, 20)'))).toStrictEqual({ threshold: 20 });

    expect(JSON.parse(wire('payloads.announce("garage", "Garage door", 300)'))).toStrictEqual({
      id: 'garage',
      name: 'Garage door',
      model: 'pico-ultrasonic',
      manufacturer: 'Hearth',
      sw: py.value('payloads.VERSION'),
      offline_after: 900,
      entities: PICO_ANNOUNCED_ENTITIES,
    });
    expect(JSON.parse(wire('payloads.announce("garage", None, 60)'))).not.toHaveProperty('name');
    expect(JSON.parse(wire('payloads.ack("c1", value=35)'))).toStrictEqual({ id: 'c1', ok: true, value: 35 });
    expect(JSON.parse(wire('payloads.ack("c1", error="no")'))).toStrictEqual({ id: 'c1', ok: false, error: 'no' });

    // once NTP has answered (the fake answers with the host's time), time stamps are whole ms since 1970
    py.run(`
      import clock, ntptime, time
      ntptime.server_unix_s = None
      c = clock.Clock("pool.ntp.org")
    `);
    expect(py.value('c.now_ms()')).toBeNull();
    py.run('c.sync_if_due(time.ticks_ms())');
    const now = py.value<number>('c.now_ms()');
    expect(Number.isInteger(now)).toBe(true);
    expect(Math.abs(now - Date.now())).toBeLessThan(2000);
  });

  it('queues events while offline: oldest dropped when full, the rest sent in order with the time they happened', () => {
    py.run(`
      from outbox import Outbox
      o = Outbox(3)
      for item in range(1, 6):
          o.push(item)
    `);
    expect(py.value('(len(o), o.dropped, o.peek())')).toEqual([3, 2, 3]);
    expect(py.value('[o.pop() for _ in range(3)] + [o.peek()]')).toEqual([3, 4, 5, null]);

    // The main loop, with the recording broker (tests/fakes/umqtt): three events before the Wi-Fi is up, room for two.
    py.run(`
      import config, machine, network, ntptime, secrets, time
      from app import App
      from umqtt.simple import broker
      scene = [200] * 3 + [80, 200, 70, 200, 60]
      machine.pulses = [machine.us_for_cm(cm) for cm in scene]
      machine.distance_cm = 200
      network.air.polls_to_connect = len(scene) + 2
      ntptime.server_unix_s = None
      for name, value in dict(SAMPLES=1, READ_INTERVAL_MS=0, LEARN_READINGS=3, HOLDOFF_S=0, QUEUE_SIZE=2).items():
          setattr(config, name, value)
      app = App(secrets, config)
      for _ in range(len(scene) + 6):
          app.step()
      sent = [json.loads(msg) for topic, msg in broker.published(b"hearth/garage/telemetry")]
      events = [m for m in sent if "distance" in m]
    `);
    const events = py.value<{ distance: number; ts: number; date: string; time: string }[]>('events');
    expect(events.map((e) => e.distance)).toEqual([70, 60]);
    // dated back from their age once NTP had answered: in order, a reading or two apart, before now
    const [first, second] = events;
    expect(first!.ts).toBeLessThan(second!.ts);
    expect(second!.ts - first!.ts).toBeLessThan(1000);
    expect(Date.now() - first!.ts).toBeLessThan(5000);
    expect(first!.date).toBe(new Date(first!.ts).toISOString().slice(0, 10));
    expect(py.output).toContain('1 events were dropped while Hearth was unreachable (queue of 2)');
    expect(py.output.join('\n')).not.toContain(PASSWORD);
  });

  it('reports a new threshold on telemetry right after the ack', () => {
    py.run(`
      import config, ntptime, secrets
      from app import App
      from umqtt.simple import broker
      ntptime.server_unix_s = None  # the host's time: the only one MicroPython-wasm's clock takes
      config.SAMPLES, config.READ_INTERVAL_MS = 1, 0
      app = App(secrets, config)
      for _ in range(5):
          app.step()
      broker.deliver(b"hearth/garage/cmd/threshold", b'{"id": "c1", "value": 35}')
      before = len(broker.log)
      app.step()
      sent = [(e[1].decode(), json.loads(e[2])) for e in broker.log[before:] if e[0] == "publish"]
    `);
    const [ack, report] = py.value<[string, Record<string, unknown>][]>('sent');
    expect(ack).toEqual(['hearth/garage/cmd/threshold/ack', { id: 'c1', ok: true, value: 35 }]);
    expect(report).toEqual(['hearth/garage/telemetry', { ts: expect.any(Number), threshold: 35 }]);
    expect(Math.abs((report![1].ts as number) - Date.now())).toBeLessThan(5000);
  });

  it('drops the session on whatever umqtt.simple raises, and prints a bug with its traceback, without the password', () => {
    py.run(`
      import config, secrets
      from app import App
      from umqtt.simple import broker
      config.SAMPLES, config.READ_INTERVAL_MS, config.LEARN_READINGS = 1, 0, 1
      app = App(secrets, config)
      for _ in range(5):
          app.step()
      connected = app.link.connected
      broker.garble("check_msg", IndexError("bytes index out of range"))
      app.step()
      def broken(distance, now):
          raise KeyError("baseline")
      app.trigger.update = broken
      try:
          app.step()
      except KeyError as error:
          app.step_failed(error)
    `);
    expect(py.value('(connected, app.link.connected, len(broker.open_sockets()))')).toEqual([true, false, 0]);
    expect(py.output).toContain('MQTT connection lost: IndexError: bytes index out of range (next try in 1 s)');
    const output = py.output.join('\n');
    // MicroPython's own traceback (sys.print_exception), on the console line by line
    expect(output).toMatch(/^unexpected error \(1 in a row\): KeyError: baseline\nTraceback \(most recent call last\):\n[^]*, in broken\n/m);
    expect(output).toContain('next try in 1 s');
    expect(output).not.toContain(PASSWORD);
  });

  it('says on the console what to check when the broker refuses the login, without the password', () => {
    py.run(`
      import config, machine, secrets
      from app import App
      from umqtt.simple import broker
      broker.refuse_code = 5  # CONNACK: not authorised
      config.SAMPLES, config.READ_INTERVAL_MS = 1, 0
      app = App(secrets, config)
      for _ in range(5):
          app.step()
    `);
    expect(py.output).toContain('MQTT 192.0.2.5:1883: MQTTException: 5 (check MQTT_USER and MQTT_PASSWORD in secrets.py) (next try in 1 s)');
    expect(py.output.join('\n')).not.toContain(PASSWORD);
  });

  it('keeps the threshold in settings.json on the flash, ignoring a damaged file, and says why a value is refused', () => {
    py.run('import config, os, secrets, settings, state_file, commands');
    expect(py.value('state_file.load_threshold("settings.json", 20)')).toBe(20); // no file yet
    py.run('state_file.save_threshold("settings.json", 35.5)');
    expect(py.value('sorted(n for n in os.listdir() if n.startswith("settings.json"))')).toEqual(['settings.json']); // the temporary file was renamed
    expect(py.value('open("settings.json").read()')).toBe('{"threshold_cm": 35.5}');
    // the next boot starts with it
    expect(py.value('__import__("app").App(secrets, config).trigger.threshold')).toBe(35.5);

    for (const damaged of ['{not json', '{"threshold_cm": 999}', '[1]', '{}']) {
      py.run(`with open("settings.json", "w") as f:\n    f.write(${JSON.stringify(damaged)})`);
      expect(py.value('state_file.load_threshold("settings.json", 20)'), damaged).toBe(20);
    }
    expect(py.output).toContain('settings.json: ignored (threshold must be between 1 and 400 cm, got 999); using THRESHOLD_CM = 20 from config.py');

    const answer = (raw: string) => py.value(`commands.answer("threshold", ${JSON.stringify(raw)}.encode(), {"threshold": settings.check_threshold})`);
    expect(answer('{"id": "c1", "value": 35}')).toEqual({ id: 'c1', ok: true, value: 35 });
    const refused = {
      '{"id": "c1", "value": 400.5}': 'threshold must be between 1 and 400 cm, got 400.5',
      '{"id": "c1", "value": "30"}': 'threshold must be a number of cm, got "30"',
      '{"id": "c1", "value": true}': 'threshold must be a number of cm, got true',
      '{"id": "c1", "value": null}': 'threshold must be a number of cm, got null',
      '{"id": "c1"}': 'no "value" in the command',
    };
    for (const [raw, error] of Object.entries(refused)) expect(answer(raw), raw).toEqual({ id: 'c1', ok: false, error });
    expect(answer('{oops')).toBeNull();

    const configError = (overrides: string) => {
      py.run(`import config\n${overrides}`);
      try {
        py.run('settings.load_config(config)');
      } catch (error) {
        return (error as Error).message.trim().split('\n').at(-1);
      } finally {
        py.run(`import sys\ndel sys.modules["config"]`); // the next import reads the shipped file again
      }
      return 'no error';
    };
    expect(configError('config.THRESHOLD_CM = 0')).toBe('ValueError: config.py: THRESHOLD_CM must be a number from 1 to 400, got 0');
    expect(configError('config.ECHO_PIN = "2"')).toBe("ValueError: config.py: ECHO_PIN must be a number from 0 to 29, got '2'");
    expect(configError('config.NAME = ""')).toBe("ValueError: config.py: NAME must be non-empty text, got ''");
    expect(configError('')).toBe('no error');
  });
});
