import json
import os
import unittest

from support import PASSWORD, FirmwareTest, config, config_module, firmware, secrets_module

settings = firmware["settings"]
state_file = firmware["state_file"]
commands = firmware["commands"]


class Config(unittest.TestCase):
    def test_the_shipped_config_is_valid(self):
        s = settings.load_config(config)
        self.assertEqual((s.trig_pin, s.echo_pin, s.threshold_cm, s.heartbeat_s, s.queue_size), (3, 2, 20, 300, 100))
        self.assertIsNone(s.name)

    def test_a_missing_setting_is_named(self):
        broken = config_module()
        del broken.HEARTBEAT_S
        with self.assertRaisesRegex(ValueError, r"^config.py: HEARTBEAT_S is missing"):
            settings.load_config(broken)

    def test_a_wrong_value_says_what_is_allowed(self):
        with self.assertRaisesRegex(ValueError, r"^config.py: THRESHOLD_CM must be a number from 1 to 400, got 0$"):
            settings.load_config(config_module(THRESHOLD_CM=0))
        with self.assertRaisesRegex(ValueError, r"^config.py: ECHO_PIN must be a number from 0 to 29, got '2'$"):
            settings.load_config(config_module(ECHO_PIN="2"))
        with self.assertRaisesRegex(ValueError, r"^config.py: NAME must be non-empty text, got ''$"):
            settings.load_config(config_module(NAME=""))


    def test_the_watchdog_switch_takes_true_or_false(self):
        self.assertTrue(settings.load_config(config).watchdog)  # on unless turned off
        with self.assertRaisesRegex(ValueError, r"^config.py: WATCHDOG must be True or False, got 'off'$"):
            settings.load_config(config_module(WATCHDOG="off"))

    def test_with_the_watchdog_on_a_reading_must_be_short_enough(self):
        slow = dict(SAMPLES=15, SAMPLE_GAP_MS=1000, ECHO_TIMEOUT_US=30000)
        with self.assertRaisesRegex(ValueError, r"^config.py: one reading may take 14450 ms .* more than the 4000 ms the watchdog leaves it: lower SAMPLES, SAMPLE_GAP_MS or ECHO_TIMEOUT_US$"):
            settings.load_config(config_module(**slow))
        self.assertEqual(settings.load_config(config_module(WATCHDOG=False, **slow)).samples, 15)


class Secrets(unittest.TestCase):
    def test_reads_secrets_py_as_hearth_device_add_writes_it(self):
        a = settings.load_account(secrets_module())
        self.assertEqual(
            (a.wifi_ssid, a.wifi_password, a.mqtt_host, a.mqtt_port, a.device_id, a.mqtt_user, a.mqtt_password),
            ("your-wifi-name", "your-wifi-password", "192.0.2.5", 1883, "garage", "garage", PASSWORD),
        )

    def test_a_missing_secret_is_named_without_showing_any_value(self):
        secrets = secrets_module()
        secrets.MQTT_PASSWORD = ""
        with self.assertRaisesRegex(ValueError, r"^secrets.py: MQTT_PASSWORD is missing or empty") as caught:
            settings.load_account(secrets)
        secrets = secrets_module()
        del secrets.DEVICE_ID
        with self.assertRaisesRegex(ValueError, r"^secrets.py: DEVICE_ID is missing"):
            settings.load_account(secrets)
        secrets = secrets_module()
        secrets.MQTT_PORT = "1883"
        with self.assertRaisesRegex(ValueError, r"^secrets.py: MQTT_PORT must be a port number, got '1883'$"):
            settings.load_account(secrets)
        self.assertNotIn(PASSWORD, str(caught.exception))

    def test_an_open_network_has_an_empty_password(self):
        secrets = secrets_module()
        secrets.WIFI_PASSWORD = ""
        self.assertEqual(settings.load_account(secrets).wifi_password, "")


class StateFile(FirmwareTest):
    def test_config_value_until_a_command_saved_one(self):
        path = self.state_file()
        self.assertEqual(state_file.load_threshold(path, 20), 20)
        state_file.save_threshold(path, 35.5)
        self.assertEqual(state_file.load_threshold(path, 20), 35.5)
        self.assertEqual(sorted(os.listdir(self.dir)), ["settings.json"])  # the temporary file is gone

    def test_a_damaged_or_invalid_file_falls_back_to_config_and_says_so(self):
        path = self.state_file()
        for content in ("{not json", json.dumps({"threshold_cm": 999}), json.dumps([1])):
            with open(path, "w") as f:
                f.write(content)
            self.assertEqual(state_file.load_threshold(path, 20), 20)
        self.assertIn("settings.json: ignored (threshold must be between 1 and 400 cm, got 999); using THRESHOLD_CM = 20 from config.py", self.console.getvalue())


class Commands(FirmwareTest):
    def setUp(self):
        super().setUp()
        self.applied = []
        self.handlers = {"threshold": lambda v: self.applied.append(settings.check_threshold(v)) or v}

    def answer(self, key, raw):
        return commands.answer(key, raw, self.handlers)

    def test_a_valid_threshold_is_applied_and_confirmed(self):
        self.assertEqual(self.answer("threshold", b'{"id": "c1", "value": 35}'), {"id": "c1", "ok": True, "value": 35})
        self.assertEqual(self.answer("threshold", b'{"id": "c2", "value": 1}'), {"id": "c2", "ok": True, "value": 1})
        self.assertEqual(self.answer("threshold", b'{"id": "c3", "value": 400}'), {"id": "c3", "ok": True, "value": 400})
        self.assertEqual(self.applied, [35, 1, 400])

    def test_invalid_thresholds_are_refused_with_the_reason(self):
        cases = {
            b'{"id": "c1", "value": 0}': "threshold must be between 1 and 400 cm, got 0",
            b'{"id": "c1", "value": 400.5}': "threshold must be between 1 and 400 cm, got 400.5",
            b'{"id": "c1", "value": "30"}': 'threshold must be a number of cm, got "30"',
            b'{"id": "c1", "value": true}': "threshold must be a number of cm, got true",
            b'{"id": "c1", "value": null}': "threshold must be a number of cm, got null",
            b'{"id": "c1"}': 'no "value" in the command',
        }
        for raw, error in cases.items():
            self.assertEqual(self.answer("threshold", raw), {"id": "c1", "ok": False, "error": error}, raw)
        self.assertEqual(self.applied, [])

    def test_an_unknown_command_is_refused(self):
        self.assertEqual(self.answer("relay", b'{"id": "c9", "value": true}'), {"id": "c9", "ok": False, "error": 'unknown command "relay" (this device takes: threshold)'})

    def test_a_command_without_an_id_or_not_json_gets_no_ack(self):
        self.assertIsNone(self.answer("threshold", b"35"))
        self.assertIsNone(self.answer("threshold", b'{"value": 35}'))
        self.assertIsNone(self.answer("threshold", b"{oops"))
        self.assertIn("cmd/threshold: not JSON, ignored", self.console.getvalue())
        self.assertEqual(self.applied, [])


if __name__ == "__main__":
    unittest.main()
