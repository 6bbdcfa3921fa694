# Runs the firmware's main loop unchanged under CPython against a real MQTT
# broker: secrets.py from the folder given (as `hearth device add` wrote it),
# the shipped config.py with faster timings, the sensor and Wi-Fi faked, the
# clock and NTP following the host's clock, and umqtt.simple speaking MQTT
# over a real socket (e2e/umqtt, ahead of the recording fake on sys.path).
# The scene: an empty view at 200 cm, someone at 80 cm for a moment, then
# empty again. Stops by itself after SECONDS.
#
#   python3 run_device.py FOLDER SECONDS
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
folder, seconds = sys.argv[1], float(sys.argv[2])
sys.path[:0] = [HERE, os.path.join(TESTS, "fakes"), os.path.dirname(TESTS), folder, TESTS]
sys.modules.pop("secrets", None)  # the device's secrets.py, not Python's module of that name

import secrets  # noqa: E402

from support import config_module, firmware, machine, mtime, ntptime  # noqa: E402

LEARN_READINGS = 3
PERSON_READINGS = 3


def scene():
    """Pulses as the HC-SR04 would return them, reading by reading."""
    pulses = []
    for distance in [200] * LEARN_READINGS + [80] * PERSON_READINGS:
        pulses += [machine.us_for_cm(distance)] * 5
    return pulses


mtime.use_real_clock()
ntptime.server_unix_s = None  # NTP answers with the host's time
machine.pulses = scene()
machine.distance_cm = 200
config = config_module(
    READ_INTERVAL_MS=20,
    SAMPLE_GAP_MS=0,
    LEARN_READINGS=LEARN_READINGS,
    HOLDOFF_S=0,
    STATE_FILE=os.path.join(folder, "settings.json"),
)
app = firmware["app"].App(secrets, config)
start = mtime.ticks_ms()
while mtime.ticks_diff(mtime.ticks_ms(), start) < seconds * 1000:
    app.step()
    sys.stdout.flush()
