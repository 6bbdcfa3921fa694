# What the sensor and the radio do in an end-to-end run against the real hub,
# the same for the firmware under CPython (run_device.py) and on
# MicroPython-wasm (../micropython/boot.py): an empty view at 200 cm; the
# Wi-Fi takes a while to come up, as a Pico W's does, so someone standing at
# 80 cm for a moment is an event queued offline, sent once Hearth is reachable;
# then the view is empty again. NTP answers with the host's time.
import machine
import network
import ntptime

LEARN_READINGS = 3
PERSON_READINGS = 3
# isconnected() polls (one per main-loop step) before the Wi-Fi is up: the
# person comes and goes meanwhile
WIFI_POLLS = LEARN_READINGS + PERSON_READINGS + 2

# The shipped config.py with faster timings.
CONFIG = {
    "READ_INTERVAL_MS": 20,
    "SAMPLE_GAP_MS": 0,
    "LEARN_READINGS": LEARN_READINGS,
    "HOLDOFF_S": 0,
}


def play():
    pulses = []
    for distance in [200] * LEARN_READINGS + [80] * PERSON_READINGS:
        pulses += [machine.us_for_cm(distance)] * 5
    machine.pulses = pulses
    machine.distance_cm = 200
    network.air.polls_to_connect = WIFI_POLLS
    ntptime.server_unix_s = None
