# Runs the firmware's main loop unchanged under CPython against a real MQTT
# broker: secrets.py from the folder given (as `hearth device add` wrote it),
# the shipped config.py with the scene's faster timings, the sensor and Wi-Fi
# faked as scene.py tells, the clock and NTP following the host's clock, and
# umqtt.simple speaking MQTT over a real socket (e2e/umqtt, ahead of the
# recording fake on sys.path). Stops by itself after SECONDS.
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

import scene  # noqa: E402
from support import config_module, firmware, mtime  # noqa: E402

mtime.use_real_clock()
scene.play()
app = firmware["app"].App(secrets, config_module(STATE_FILE=os.path.join(folder, "settings.json"), **scene.CONFIG))
start = mtime.ticks_ms()
while mtime.ticks_diff(mtime.ticks_ms(), start) < seconds * 1000:
    app.step()
    sys.stdout.flush()
