# Retry timing shared by Wi-Fi, MQTT and NTP: wait first_ms after the first
# failure, doubling up to max_ms, so a dead network is not hammered and a
# short outage is still retried quickly. Times are time.ticks_ms() values.
import time


class Backoff:
    def __init__(self, first_ms, max_ms):
        self.first_ms = first_ms
        self.max_ms = max_ms
        self.failures = 0
        self.next_at = None

    def ready(self, now):
        return self.next_at is None or time.ticks_diff(now, self.next_at) >= 0

    def failed(self, now):
        """Records a failed attempt; returns how long to wait (ms) before the next."""
        delay = min(self.first_ms << min(self.failures, 16), self.max_ms)
        self.failures += 1
        self.next_at = time.ticks_add(now, delay)
        return delay

    def succeeded(self):
        self.failures = 0
        self.next_at = None
