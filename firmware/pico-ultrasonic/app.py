# The main loop: read the sensor, decide, send or queue, stay connected.
# Everything here is small steps that never block for long, so the sensor is
# read on time while Wi-Fi or Hearth are away.
import time

import payloads
import settings
from backoff import Backoff
from clock import Clock
from commands import answer
from link import ERRORS, KEEPALIVE_S, Link, MQTTException
from outbox import Outbox
from sonar import Sonar
from state_file import load_threshold, save_threshold
from trigger import Trigger
from wifi import Wifi

# a ping at half the keepalive keeps the broker from closing a quiet session
PING_MS = KEEPALIVE_S * 1000 // 2


class App:
    def __init__(self, secrets, config):
        self.account = settings.load_account(secrets)
        s = self.settings = settings.load_config(config)
        self.device_id = self.account.device_id
        threshold = load_threshold(s.state_file, s.threshold_cm)
        self.sonar = Sonar(s.trig_pin, s.echo_pin, s.samples, s.sample_gap_ms, s.echo_timeout_us, s.temperature_c)
        self.trigger = Trigger(threshold, s.learn_readings, s.holdoff_s * 1000, s.relearn_s * 1000)
        self.outbox = Outbox(s.queue_size)
        self.clock = Clock(s.ntp_host)
        self.wifi = Wifi(self.account.wifi_ssid, self.account.wifi_password)
        self.link = Link(self.account, s.name, s.heartbeat_s)
        self.mqtt_retry = Backoff(1000, 60000)
        self.heartbeat_at = None
        self.ping_at = None
        self.reported_dropped = 0

    def run(self):
        print("{} {} {}: threshold {} cm".format(payloads.MODEL, payloads.VERSION, self.device_id, self.trigger.threshold))
        while True:
            self.step()

    def step(self):
        self.measure()
        now = time.ticks_ms()
        if self.keep_connected(now):
            try:
                self.link.poll()
                self.answer_commands()
                self.drain()
                self.heartbeat_if_due(now)
                self.ping_if_due(now)
            except ERRORS as error:
                self.lost(error)
        time.sleep_ms(self.settings.read_interval_ms)

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
        self.clock.sync_if_due(now)
        if self.link.connected:
            return True
        if not self.mqtt_retry.ready(now):
            return False
        try:
            self.link.connect()
        except ERRORS as error:
            delay = self.mqtt_retry.failed(now)
            print("MQTT {}:{}: {} (next try in {} s)".format(self.account.mqtt_host, self.account.mqtt_port, describe(error), delay // 1000))
            return False
        self.mqtt_retry.succeeded()
        print("MQTT connected to {}:{}".format(self.account.mqtt_host, self.account.mqtt_port))
        self.heartbeat_at = now  # at once: Hearth learns the signal and baseline
        self.ping_at = time.ticks_add(now, PING_MS)
        return True

    def lost(self, error):
        print("MQTT connection lost: {}".format(describe(error)))
        self.link.drop()

    def answer_commands(self):
        while self.link.commands:
            key, raw = self.link.commands.pop(0)
            ack = answer(key, raw, {"threshold": self.set_threshold})
            if ack is not None:
                self.link.send("cmd/{}/ack".format(key), ack)

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


def describe(error):
    if isinstance(error, str):
        return error
    text = "{}: {}".format(type(error).__name__, error)
    # umqtt.simple raises MQTTException(CONNACK return code) when the broker refuses: 4 and 5 are bad credentials
    if isinstance(error, MQTTException) and error.args and error.args[0] in (4, 5):
        text += " (check MQTT_USER and MQTT_PASSWORD in secrets.py)"
    return text
