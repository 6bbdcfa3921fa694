# Loads the firmware unchanged under CPython with the MicroPython modules it
# needs faked: machine, network, ntptime and umqtt.simple come from fakes/ on
# sys.path; `time` is a built-in module in CPython that sys.path cannot shadow,
# so the fake (fakes/mtime.py) is handed to the firmware modules while they
# are imported, and the test runner keeps the real one.
import contextlib
import importlib
import io
import os
import shutil
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIRMWARE = os.path.dirname(HERE)
FAKES = os.path.join(HERE, "fakes")
for path in (FIRMWARE, FAKES):
    if path not in sys.path:
        sys.path.insert(0, path)

# The fakes (and whatever they import) are loaded first, with the real `time`.
import machine  # noqa: E402  (after the path is set)
import mtime  # noqa: E402
import network  # noqa: E402
import ntptime  # noqa: E402
from umqtt import simple as umqtt  # noqa: E402

FIRMWARE_MODULES = ("backoff", "settings", "state_file", "sonar", "trigger", "clock", "outbox", "payloads", "commands", "wifi", "watchdog", "failures", "timeout_socket", "link", "app")


def load_firmware():
    real_time = sys.modules["time"]
    sys.modules["time"] = mtime
    try:
        return {name: importlib.import_module(name) for name in FIRMWARE_MODULES}
    finally:
        sys.modules["time"] = real_time


firmware = load_firmware()

import config  # noqa: E402  the shipped config.py: its defaults are what the tests start from

PASSWORD = "s3cr3t-Pa55word-0123456789abcdef"

# What `npx hearth device add garage --kind pico` writes (core/auth/device-snippets.ts).
GENERATED_SECRETS = """# Made by `hearth device add`: copy to the Pico W beside main.py. Keep it private.
WIFI_SSID = "your-wifi-name"
WIFI_PASSWORD = "your-wifi-password"
MQTT_HOST = "192.0.2.5"
MQTT_PORT = 1883
DEVICE_ID = "garage"
MQTT_USER = "garage"
MQTT_PASSWORD = "%s"
""" % PASSWORD


def module(name, source):
    made = types.ModuleType(name)
    exec(source, made.__dict__)
    return made


def secrets_module(source=GENERATED_SECRETS):
    return module("secrets", source)


def config_module(**overrides):
    made = types.ModuleType("config")
    for name in dir(config):
        if name.isupper():
            setattr(made, name, getattr(config, name))
    for name, value in overrides.items():
        setattr(made, name, value)
    return made


def cm_pulses(*distances):
    return [machine.us_for_cm(cm) for cm in distances]


class FirmwareTest(unittest.TestCase):
    """Fresh fakes, a temp dir for the flash files, and the console captured in self.console."""

    def setUp(self):
        for fake in (mtime, machine, network, ntptime, umqtt):
            fake.reset()
        self.dir = tempfile.mkdtemp(prefix="pico-ultrasonic-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.console = io.StringIO()
        self.enterContext(contextlib.redirect_stdout(self.console))

    def state_file(self):
        return os.path.join(self.dir, "settings.json")

    def make_app(self, secrets=None, **config_overrides):
        config_overrides.setdefault("STATE_FILE", self.state_file())
        return firmware["app"].App(secrets or secrets_module(), config_module(**config_overrides))

    def run_for(self, app, ms):
        """Runs the main loop for `ms` of firmware time."""
        start = mtime.ticks_ms()
        while mtime.ticks_diff(mtime.ticks_ms(), start) < ms:
            app.step()
