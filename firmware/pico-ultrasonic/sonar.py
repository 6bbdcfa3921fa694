# HC-SR04 readings. machine.time_pulse_us returns a negative code on time-out
# (-2: the echo pulse never started, -1: it lasted longer than the time-out,
# i.e. nothing echoed); those are failed samples, never distances. A reading
# is the median of the samples that worked, so one stray echo cannot move it.
import machine
import time

# The HC-SR04 measures 2-400 cm; anything outside is a glitch, not a distance.
MIN_CM = 2
MAX_CM = 400


def cm_per_us(temperature_c=None):
    """Speed of sound in cm/us: 0.0343 at 20 °C, or corrected for the air temperature."""
    if temperature_c is None:
        return 0.0343
    return (331.3 + 0.606 * temperature_c) / 10000


def pulse_to_cm(pulse_us, speed_cm_per_us):
    # the pulse covers the way there and back
    return pulse_us * speed_cm_per_us / 2


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class Sonar:
    def __init__(self, trig_pin, echo_pin, samples, gap_ms, timeout_us, temperature_c=None):
        self.trig = machine.Pin(trig_pin, machine.Pin.OUT)
        self.trig.value(0)
        self.echo = machine.Pin(echo_pin, machine.Pin.IN)
        self.samples = samples
        self.gap_ms = gap_ms
        self.timeout_us = timeout_us
        self.speed = cm_per_us(temperature_c)
        # failed samples since boot, by cause, for troubleshooting on the console
        self.no_pulse = 0
        self.no_echo = 0
        self.out_of_range = 0

    def ping_us(self):
        """One measurement: a 10 us trigger pulse, then the echo's length (or a negative code)."""
        self.trig.value(0)
        time.sleep_us(2)
        self.trig.value(1)
        time.sleep_us(10)
        self.trig.value(0)
        return machine.time_pulse_us(self.echo, 1, self.timeout_us)

    def sample_cm(self):
        pulse = self.ping_us()
        if pulse == -2:
            self.no_pulse += 1
            return None
        if pulse < 0:
            self.no_echo += 1
            return None
        distance = pulse_to_cm(pulse, self.speed)
        if not MIN_CM <= distance <= MAX_CM:
            self.out_of_range += 1
            return None
        return distance

    def read_cm(self):
        """The median distance of the samples that worked, or None when most failed."""
        good = []
        for i in range(self.samples):
            if i:
                # let the previous ping's echoes die out before the next
                time.sleep_ms(self.gap_ms)
            distance = self.sample_cm()
            if distance is not None:
                good.append(distance)
        if len(good) * 2 <= self.samples:
            return None
        return median(good)
