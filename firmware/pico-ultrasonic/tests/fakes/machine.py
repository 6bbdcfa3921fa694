# The Pico's machine module for host tests: Pin keeps the levels written to it,
# and time_pulse_us answers as the HC-SR04 would: with the echo pulse length
# (pulses queued by the test first, then the length for `distance_cm`), or
# -1 when nothing echoes (distance_cm None), like the real function's time-out.
import mtime

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


def reset():
    global distance_cm, pulses, calls, pins
    distance_cm = 200
    pulses = []
    calls = []
    pins = {}


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
