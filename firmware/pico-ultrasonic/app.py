# The main loop: read the sensor, decide, send or queue, stay connected.
# Every step is made of small pieces that never block for long, so the sensor
# is read on time while Wi-Fi or Hearth are away, and the watchdog, fed every
# step and before anything that may block, reboots the Pico if one ever hangs.
#
# Trouble on the network side, whatever umqtt.simple raised (LinkDown), drops
# the session and reconnects with backoff; sensing and queueing go on.
# Anything else escaping a step is a bug in the firmware: it is printed with
# its traceback and the step retried after a pause (1, 2, 4, 8 s); when
# GIVE_UP_AFTER steps fail in a row the loop ends, and the watchdog restarts
# the Pico 8 s later (WATCHDOG = False: the REPL shows the error).
import time

import payloads
import settings
from backoff import Backoff
from clock import Clock
from commands import answer
from failures import Failures
from link import KEEPALIVE_S, Link, LinkDown
from outbox import Outbox
from sonar import Sonar
from state_file import load_threshold, save_threshold
from trigger import Trigger
from watchdog import TIMEOUT_MS, Watchdog
from wifi import Wifi

# a ping at half the keepalive keeps the broker from closing a quiet session
PING_MS = KEEPALIVE_S * 1000 // 2
# longest sleep without feeding the watchdog (READ_INTERVAL_MS may be a minute)
NAP_MS = 1000
GIVE_UP_AFTER = 5


class App:
    def __init__(self, secrets, config):
        self.account = settings.load_account(secrets)
        s = self.settings = settings.load_config(config)
        self.device_id = self.account.device_id
        self.failures = Failures((self.account.mqtt_password, self.account.wifi_password))
        threshold = load_threshold(s.state_file, s.threshold_cm)
        self.sonar = Sonar(s.trig_pin, s.echo_pin, s.samples, s.sample_gap_ms, s.echo_timeout_us, s.temperature_c)
        self.trigger = Trigger(threshold, s.learn_readings, s.holdoff_s * 1000, s.relearn_s * 1000)
        self.outbox = Outbox(s.queue_size)
        self.clock = Clock(s.ntp_host)
        self.wifi = Wifi(self.account.wifi_ssid, self.account.wifi_password)
        # Started after the slow set-up (the Wi-Fi chip): from here on nothing blocks for long without feeding it.
        self.watchdog = Watchdog(s.watchdog)
        self.link = Link(self.account, s.name, s.heartbeat_s, self.watchdog.feed)
        self.mqtt_retry = Backoff(1000, 60000)
        self.heartbeat_at = None
        self.ping_at = None
        self.reported_dropped = 0
        self.failed_steps = 0

    def run(self):
        print("{} {} {}: threshold {} cm".format(payloads.MODEL, payloads.VERSION, self.device_id, self.trigger.threshold))
        while True:
            try:
                self.step()
            except Exception as error:
                self.step_failed(error)
            else:
                self.failed_steps = 0

    def step(self):
        self.watchdog.feed()
        self.measure()
        now = time.ticks_ms()
        if self.keep_connected(now):
            try:
                self.link.poll()
                self.answer_commands()
                self.drain()
                self.heartbeat_if_due(now)
                self.ping_if_due(now)
            except LinkDown as down:
                self.lost(down.error)
        self.nap(self.settings.read_interval_ms)

    def step_failed(self, error):
        """A bug, not the network: said on the console, retried after a pause, and not forever."""
        self.failed_steps += 1
        print("unexpected error ({} in a row): {}".format(self.failed_steps, self.failures.describe(error)))
        print(self.failures.traceback(error))
        if self.failed_steps >= GIVE_UP_AFTER:
            if self.settings.watchdog:
                print("giving up: the watchdog restarts the Pico in {} s".format(TIMEOUT_MS // 1000))
            else:
                print("giving up (WATCHDOG is off: nothing restarts the Pico)")
            raise error
        delay = 1000 << (self.failed_steps - 1)
        print("next try in {} s".format(delay // 1000))
        self.nap(delay)

    def nap(self, ms):
        """Sleeps `ms`, feeding the watchdog at least every NAP_MS."""
        while ms > 0:
            time.sleep_ms(min(ms, NAP_MS))
            ms -= NAP_MS
            self.watchdog.feed()

    def measure(self):
        distance = self.sonar.read_cm()
        if distance is None:
            return
        now = time.ticks_ms()
        if self.trigger.update(distance, now):
            # The time of the event is kept: the clock if set, else its tick, to
            # date it once NTP has answered.
            self.outbox.push((distance, self.trigger.baseline, self.clock.now_ms(), now))
            print("event: {:.1f} cm (baseline {:.1f} cm)".format(distance, self.trigger.baseline))

    def keep_connected(self, now):
        """True when the MQTT session is up (connecting first when it is due)."""
        if not self.wifi.ensure(now):
            if self.link.connected:
                self.lost("Wi-Fi lost")
            return False
        self.watchdog.feed()  # NTP may block: a DNS lookup, then up to a second for the answer
        self.clock.sync_if_due(now)
        if self.link.connected:
            return True
        if not self.mqtt_retry.ready(now):
            return False
        try:
            self.link.connect()
        except LinkDown as down:
            delay = self.mqtt_retry.failed(now)
            print("MQTT {}:{}: {} (next try in {} s)".format(self.account.mqtt_host, self.account.mqtt_port, self.failures.describe(down.error), delay // 1000))
            return False
        print("MQTT connected to {}:{}".format(self.account.mqtt_host, self.account.mqtt_port))
        self.heartbeat_at = now  # at once: Hearth learns the signal and baseline
        self.ping_at = time.ticks_add(now, PING_MS)
        return True

    def lost(self, error):
        """Drops the session. The next connection waits its turn (1 s, 2 s, ... 60 s): a broker that accepts and then fails every session is not hammered."""
        self.link.drop()
        delay = self.mqtt_retry.failed(time.ticks_ms())
        print("MQTT connection lost: {} (next try in {} s)".format(self.failures.describe(error), delay // 1000))

    def answer_commands(self):
        while self.link.commands:
            key, raw = self.link.commands.pop(0)
            ack = answer(key, raw, {"threshold": self.set_threshold})
            if ack is None:
                continue
            self.link.send("cmd/{}/ack".format(key), ack)
            if ack["ok"]:
                # Hearth's number.<id>_threshold follows at once, not at the next heartbeat.
                self.link.send("telemetry", payloads.threshold_report(self.clock.now_ms(), self.trigger.threshold))

    def set_threshold(self, value):
        value = settings.check_threshold(value)
        try:
            save_threshold(self.settings.state_file, value)
        except OSError as error:
            raise ValueError("could not save the threshold on flash: {}".format(error))
        self.trigger.threshold = value
        print("threshold set to {} cm".format(value))
        return value

    def drain(self):
        """Sends queued events oldest first; each leaves the queue once the broker has it."""
        if self.outbox.dropped != self.reported_dropped:
            print("{} events were dropped while Hearth was unreachable (queue of {})".format(self.outbox.dropped - self.reported_dropped, self.outbox.capacity))
            self.reported_dropped = self.outbox.dropped
        while self.outbox.peek() is not None:
            distance, baseline, ts, tick = self.outbox.peek()
            if ts is None:
                ts = self.clock.now_ms()
                if ts is not None:
                    ts -= time.ticks_diff(time.ticks_ms(), tick)
            self.link.send("telemetry", payloads.event(self.device_id, distance, baseline, ts))
            self.outbox.pop()

    def heartbeat_if_due(self, now):
        if time.ticks_diff(now, self.heartbeat_at) < 0:
            return
        self.heartbeat_at = time.ticks_add(now, self.settings.heartbeat_s * 1000)
        self.link.send("telemetry", payloads.heartbeat(self.clock.now_ms(), self.wifi.rssi(), self.trigger.baseline, self.trigger.threshold))

    def ping_if_due(self, now):
        if time.ticks_diff(now, self.ping_at) < 0:
            return
        self.ping_at = time.ticks_add(now, PING_MS)
        self.link.ping()
        # The session has lasted half a keepalive: the next loss starts the backoff over at 1 s.
        self.mqtt_retry.succeeded()
