# Keeps the Pico W on Wi-Fi without blocking the sensor: ensure() is called
# every loop, starts a connection attempt when none is running, gives it
# `timeout_ms`, and backs off (2 s, 4 s, ... 60 s) between failed attempts.
import network
import time

from backoff import Backoff

# wlan.status() codes worth a sentence on the console
REASONS = (
    ("STAT_WRONG_PASSWORD", "wrong WIFI_PASSWORD"),
    ("STAT_NO_AP_FOUND", "no network named WIFI_SSID in range"),
    ("STAT_CONNECT_FAIL", "the access point refused the connection"),
)


class Wifi:
    def __init__(self, ssid, password, timeout_ms=15000):
        self.ssid = ssid
        self.password = password
        self.timeout_ms = timeout_ms
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)
        self.started = None
        self.retry = Backoff(2000, 60000)
        self.up = False

    def ensure(self, now):
        """True while connected; otherwise moves the connection attempt along."""
        if self.wlan.isconnected():
            if not self.up:
                self.up = True
                self.started = None
                self.retry.succeeded()
                print("Wi-Fi connected to {}: {}".format(self.ssid, self.wlan.ifconfig()[0]))
            return True
        if self.up:
            self.up = False
            print("Wi-Fi lost")
        if self.started is not None:
            if time.ticks_diff(now, self.started) < self.timeout_ms and self.failure() is None:
                return False
            self.started = None
            delay = self.retry.failed(now)
            print("Wi-Fi {}: {} (next try in {} s)".format(self.ssid, self.reason(), delay // 1000))
            self.wlan.disconnect()
            return False
        if self.retry.ready(now):
            self.started = now
            self.wlan.connect(self.ssid, self.password)
        return False

    def failure(self):
        """Why the attempt failed, when the chip already knows it cannot succeed."""
        status = self.wlan.status()
        for name, text in REASONS:
            if status == getattr(network, name, None):
                return text
        return None

    def reason(self):
        return self.failure() or "not connected after {} s (status {})".format(self.timeout_ms // 1000, self.wlan.status())

    def rssi(self):
        try:
            return self.wlan.status("rssi")
        except (OSError, ValueError):
            return None
