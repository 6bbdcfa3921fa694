# The Pico's machine module for host tests: Pin keeps the levels written to it,
# time_pulse_us answers as the HC-SR04 would: with the echo pulse length
# (pulses queued by the test first, then the length for `distance_cm`), or
# -1 when nothing echoes (distance_cm None), like the real function's time-out;
# WDT notes when it was fed, and whether the real one would have rebooted.
import mtime

WDT_MAX_MS = 8388  # the RP2040's watchdog counts at most about 8.3 s

SPEED_CM_PER_US = 0.0343


def us_for_cm(cm):
    return round(cm * 2 / SPEED_CM_PER_US)


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=-1, pull=None, value=None):
        self.id = id
        self.mode = mode
        self.levels = []
        pins[id] = self
        if value is not None:
            self.value(value)

    def value(self, level=None):
        if level is None:
            return self.levels[-1] if self.levels else 0
        self.levels.append(1 if level else 0)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class WDT:
    def __init__(self, id=0, timeout=5000):
        if not 0 < timeout <= WDT_MAX_MS:
            raise ValueError("WDT timeout must be 1-{} ms, got {}".format(WDT_MAX_MS, timeout))
        self.timeout_ms = timeout
        self.fed_at = mtime.ticks_ms()
        self.feeds = 0
        self.longest_ms = 0  # the longest it went unfed, so far
        watchdogs.append(self)

    def feed(self):
        self.longest_ms = max(self.longest_ms, self.unfed_ms())
        self.fed_at = mtime.ticks_ms()
        self.feeds += 1

    def unfed_ms(self):
        return mtime.ticks_diff(mtime.ticks_ms(), self.fed_at)

    def starved(self):
        """True once it went unfed longer than its time-out: the real one would have rebooted the Pico."""
        return max(self.longest_ms, self.unfed_ms()) > self.timeout_ms


def reset():
    global distance_cm, pulses, calls, pins, watchdogs
    distance_cm = 200
    pulses = []
    calls = []
    pins = {}
    watchdogs = []


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    calls.append((pin.id, pulse_level, timeout_us))
    if pulses:
        result = pulses.pop(0)
    elif distance_cm is None:
        result = -1
    else:
        result = us_for_cm(distance_cm)
    if result > timeout_us:
        result = -1
    mtime.advance_us(result if result > 0 else timeout_us)
    return result


reset()
