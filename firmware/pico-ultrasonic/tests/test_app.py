# The main loop with every piece of hardware faked: what goes over MQTT, when.
import json
import os
import runpy
import sys
import unittest

from support import FIRMWARE, PASSWORD, FirmwareTest, firmware, machine, mtime, network, ntptime, secrets_module, umqtt

broker = umqtt.broker


class AppTest(FirmwareTest):
    def tearDown(self):
        # whatever happened, the console (the Pico's serial output) never shows the password
        self.assertNotIn(PASSWORD, self.console.getvalue())
        super().tearDown()

    def telemetry(self):
        return [json.loads(msg) for topic, msg in broker.published(b"hearth/garage/telemetry")]

    def events(self):
        return [m for m in self.telemetry() if "distance" in m]

    def heartbeats(self):
        return [m for m in self.telemetry() if "distance" not in m]

    def booted(self, **config):
        app = self.make_app(**config)
        self.run_for(app, 10000)
        self.assertIsNotNone(app.trigger.baseline)
        return app

    def walk_past(self, app, cm=80, ms=1000, then_ms=3000):
        """Someone stands in front for `ms`, then the view is clear again."""
        machine.distance_cm = cm
        self.run_for(app, ms)
        machine.distance_cm = 200
        self.run_for(app, then_ms)


class Boot(AppTest):
    def test_last_will_then_connect_announce_online_subscribe_heartbeat(self):
        self.booted(NAME="Garage door")
        client = broker.log[0][1]
        self.assertEqual(
            (client.client_id, client.server, client.port, client.user, client.pswd, client.keepalive),
            ("garage", "192.0.2.5", 1883, "garage", PASSWORD, 60),
        )
        self.assertEqual(broker.log[0][2], (b"hearth/garage/status", b"offline", True, 1))  # the will, as sent with CONNECT
        kinds = [(e[0], e[1]) if e[0] != "connect" else ("connect",) for e in broker.log[:5]]
        self.assertEqual(
            kinds,
            [("connect",), ("publish", b"hearth/garage/announce"), ("publish", b"hearth/garage/status"), ("subscribe", b"hearth/garage/cmd/+"), ("publish", b"hearth/garage/telemetry")],
        )
        announce = broker.log[1]
        self.assertEqual(announce[3:], (True, 1))  # retained, QoS 1
        self.assertEqual(json.loads(announce[2])["name"], "Garage door")
        self.assertEqual(broker.log[2][2:], (b"online", True, 1))
        self.assertEqual(broker.log[3][2], 1)

    def test_without_a_name_the_announce_leaves_hearths_name_alone(self):
        self.booted()
        self.assertNotIn("name", json.loads(broker.retained[b"hearth/garage/announce"]))

    def test_the_clock_is_set_from_ntp_before_connecting(self):
        self.booted()
        self.assertEqual(ntptime.calls, 1)
        self.assertEqual(self.heartbeats()[0]["ts"], ntptime.server_unix_s * 1000)


class Events(AppTest):
    def test_someone_walking_past_sends_one_event_with_the_exact_shape(self):
        app = self.booted()
        before = len(broker.log)
        event_ms = mtime.wall_ms()
        self.walk_past(app)
        self.assertEqual(len(self.events()), 1)
        event = self.events()[0]
        self.assertEqual(set(event), {"ts", "device_id", "date", "time", "distance", "baseline"})
        self.assertEqual((event["device_id"], event["distance"], event["baseline"]), ("garage", 80.0, 200.0))
        self.assertAlmostEqual(event["ts"], event_ms, delta=600)  # within the reading that saw it
        self.assertEqual((event["date"], event["time"]), ("2025-03-14", "15:09:{:02d}".format((event["ts"] // 1000) % 60)))
        published = [e for e in broker.log[before:] if e[0] == "publish"]
        self.assertEqual([(e[1], e[3], e[4]) for e in published], [(b"hearth/garage/telemetry", False, 1)])

    def test_standing_there_is_one_event_and_leaving_rearms(self):
        app = self.booted()
        self.walk_past(app, ms=60000)
        self.walk_past(app)
        self.assertEqual(len(self.events()), 2)

    def test_the_view_beyond_the_range_sends_nothing(self):
        app = self.booted()
        machine.distance_cm = None  # every echo times out
        self.run_for(app, 30000)
        self.assertEqual(self.events(), [])

    def test_no_ts_date_or_time_while_ntp_never_answered(self):
        ntptime.failures = 10**6
        app = self.booted()
        self.walk_past(app)
        self.assertEqual(self.events(), [{"device_id": "garage", "distance": 80.0, "baseline": 200.0}])
        self.assertNotIn("ts", self.heartbeats()[0])
        self.assertIn("NTP pool.ntp.org: no time", self.console.getvalue())


class OfflineQueue(AppTest):
    def test_events_wait_for_the_broker_in_order_with_their_own_time(self):
        app = self.booted()
        broker.drop()
        broker.up = False
        times = []
        for cm in (80, 90, 100):
            times.append(mtime.wall_ms())
            self.walk_past(app, cm=cm)
        self.assertEqual(self.events(), [])
        broker.up = True
        self.run_for(app, 70000)  # the reconnect backoff is at most 60 s
        events = self.events()
        self.assertEqual([e["distance"] for e in events], [80.0, 90.0, 100.0])
        for event, at in zip(events, times):
            self.assertAlmostEqual(event["ts"], at, delta=600)
        self.assertEqual(len(app.outbox), 0)
        self.assertIn(("will", b"hearth/garage/status", b"offline"), broker.log)
        self.assertEqual(broker.retained[b"hearth/garage/status"], b"online")

    def test_a_full_queue_drops_the_oldest_and_counts_them(self):
        app = self.booted(QUEUE_SIZE=3)
        broker.drop()
        broker.up = False
        for cm in (60, 70, 80, 90, 100):
            self.walk_past(app, cm=cm)
        self.assertEqual(app.outbox.dropped, 2)
        broker.up = True
        self.run_for(app, 70000)
        self.assertEqual([e["distance"] for e in self.events()], [80.0, 90.0, 100.0])
        self.assertIn("2 events were dropped while Hearth was unreachable (queue of 3)", self.console.getvalue())

    def test_a_drop_while_sending_keeps_the_rest_queued_without_duplicates(self):
        app = self.booted()
        broker.drop()
        broker.up = False
        for cm in (60, 70, 80, 90):
            self.walk_past(app, cm=cm)
        broker.up = True
        # announce, online, heartbeat and two events get through, then the connection breaks
        broker.publishes_before_drop = 5
        self.run_for(app, 140000)
        self.assertEqual([e["distance"] for e in self.events()], [60.0, 70.0, 80.0, 90.0])

    def test_events_before_ntp_answered_are_dated_once_it_does(self):
        ntptime.failures = 2  # at boot and 5 s later; the third try (15 s later) works
        broker.up = False
        app = self.make_app()
        self.run_for(app, 9000)
        event_us = mtime.now_us()
        self.walk_past(app)
        self.assertIsNone(app.clock.now_ms())
        self.run_for(app, 20000)
        self.assertIsNotNone(app.clock.now_ms())
        broker.up = True
        self.run_for(app, 70000)
        (event,) = self.events()
        # dated by the clock NTP set, back to when it happened, not when it was sent
        self.assertAlmostEqual(event["ts"], mtime.wall_ms(us_ago=mtime.now_us() - event_us), delta=600)


class Heartbeat(AppTest):
    def test_every_heartbeat_interval_with_signal_baseline_and_threshold(self):
        app = self.booted()
        self.run_for(app, 3 * 300 * 1000)
        beats = self.heartbeats()
        self.assertEqual(len(beats), 4)  # at connection, then every 300 s
        self.assertEqual(set(beats[-1]), {"ts", "rssi", "baseline", "threshold"})
        self.assertEqual((beats[-1]["rssi"], beats[-1]["baseline"], beats[-1]["threshold"]), (-61, 200.0, 20))
        gaps = [b["ts"] - a["ts"] for a, b in zip(beats, beats[1:])]
        for gap in gaps:
            self.assertAlmostEqual(gap, 300000, delta=600)

    def test_keeps_time_across_the_ticks_wrap(self):
        mtime.reset(ticks_start=mtime.TICKS_PERIOD - 60000)
        app = self.booted(HEARTBEAT_S=60)
        self.run_for(app, 5 * 60 * 1000)
        self.assertEqual(len(self.heartbeats()), 6)

    def test_pings_keep_a_quiet_session_alive(self):
        app = self.booted()
        self.run_for(app, 120000)
        self.assertGreaterEqual(sum(1 for e in broker.log if e[0] == "ping"), 4)


class Reconnect(AppTest):
    def test_reconnects_and_reannounces_when_the_broker_drops(self):
        app = self.booted()
        broker.drop()
        self.run_for(app, 5000)
        connects = [e for e in broker.log if e[0] == "connect"]
        self.assertEqual(len(connects), 2)
        self.assertEqual(broker.retained[b"hearth/garage/status"], b"online")
        self.assertIn("MQTT connection lost: OSError: -1", self.console.getvalue())
        self.assertTrue(app.link.connected)

    def test_mqtt_retries_back_off_up_to_a_minute(self):
        broker.up = False
        app = self.make_app()
        self.run_for(app, 200000)
        attempts = [line for line in self.console.getvalue().splitlines() if line.startswith("MQTT 192.0.2.5:1883:")]
        waits = [int(line.split("next try in ")[1].split(" ")[0]) for line in attempts]
        self.assertEqual(waits[:8], [1, 2, 4, 8, 16, 32, 60, 60])

    def test_refused_login_says_to_check_the_account(self):
        broker.refuse_code = 5
        app = self.make_app()
        self.run_for(app, 3000)
        self.assertIn("MQTTException: 5 (check MQTT_USER and MQTT_PASSWORD in secrets.py)", self.console.getvalue())
        self.assertFalse(app.link.connected)


class Wifi(AppTest):
    def test_wifi_is_retried_with_backoff_while_the_sensor_keeps_reading(self):
        network.air.in_range = False
        app = self.make_app()
        attempts_at = []
        start = mtime.ticks_ms()
        while mtime.ticks_diff(mtime.ticks_ms(), start) < 40000:
            count = len(network.air.connects)
            app.step()
            if len(network.air.connects) != count:
                attempts_at.append(mtime.ticks_diff(mtime.ticks_ms(), start))
        gaps = [b - a for a, b in zip(attempts_at, attempts_at[1:])]
        # 2 s, 4 s, 8 s, 16 s between attempts, plus up to two readings to notice the failure and the time
        self.assertEqual(len(gaps), 4)
        for gap, backoff in zip(gaps, (2000, 4000, 8000, 16000)):
            self.assertTrue(backoff <= gap <= backoff + 1100, gaps)
        self.assertIsNotNone(app.trigger.baseline)
        self.assertIn("Wi-Fi your-wifi-name: no network named WIFI_SSID in range (next try in 2 s)", self.console.getvalue())
        network.air.in_range = True
        self.run_for(app, 40000)
        self.assertTrue(app.link.connected)

    def test_a_wrong_password_is_reported(self):
        network.air.password = "other"
        app = self.make_app()
        self.run_for(app, 1000)
        self.assertIn("Wi-Fi your-wifi-name: wrong WIFI_PASSWORD", self.console.getvalue())

    def test_a_slow_access_point_gets_its_time_out(self):
        network.air.polls_to_connect = 10**6
        app = self.make_app()
        self.run_for(app, 20000)
        self.assertIn("not connected after 15 s (status 1)", self.console.getvalue())

    def test_losing_wifi_drops_the_session_and_both_come_back(self):
        app = self.booted()
        network.air.drop()
        app.step()
        self.assertFalse(app.link.connected)
        self.assertIn("Wi-Fi lost", self.console.getvalue())
        self.run_for(app, 10000)
        self.assertTrue(app.link.connected)
        self.assertEqual(len([e for e in broker.log if e[0] == "connect"]), 2)


class ThresholdCommand(AppTest):
    def command(self, app, payload, key=b"threshold"):
        broker.deliver(b"hearth/garage/cmd/" + key, json.dumps(payload).encode())
        self.run_for(app, 1000)
        acks = broker.published(b"hearth/garage/cmd/" + key + b"/ack")
        return json.loads(acks[-1][1])

    def test_applies_persists_and_acks(self):
        app = self.booted()
        self.assertEqual(self.command(app, {"id": "a1", "value": 50}), {"id": "a1", "ok": True, "value": 50})
        self.assertEqual(app.trigger.threshold, 50)
        with open(self.state_file()) as f:
            self.assertEqual(json.load(f), {"threshold_cm": 50})
        # 40 cm closer is no longer an event; 60 cm is
        self.walk_past(app, cm=160)
        self.assertEqual(self.events(), [])
        self.walk_past(app, cm=140)
        self.assertEqual(len(self.events()), 1)
        # and after a reboot the command's value still holds
        self.assertEqual(self.make_app().trigger.threshold, 50)

    def test_refuses_invalid_values_and_keeps_the_old_one(self):
        app = self.booted()
        self.assertEqual(self.command(app, {"id": "a2", "value": 401}), {"id": "a2", "ok": False, "error": "threshold must be between 1 and 400 cm, got 401"})
        self.assertEqual(self.command(app, {"id": "a3", "value": "x"}), {"id": "a3", "ok": False, "error": 'threshold must be a number of cm, got "x"'})
        self.assertEqual(app.trigger.threshold, 20)
        self.assertFalse(os.path.exists(self.state_file()))

    def test_a_flash_that_cannot_be_written_is_an_error_ack(self):
        app = self.booted(STATE_FILE=os.path.join(self.dir, "missing-folder", "settings.json"))
        ack = self.command(app, {"id": "a4", "value": 30})
        self.assertEqual((ack["id"], ack["ok"]), ("a4", False))
        self.assertTrue(ack["error"].startswith("could not save the threshold on flash:"))
        self.assertEqual(app.trigger.threshold, 20)

    def test_unknown_commands_get_an_error_ack(self):
        app = self.booted()
        self.assertEqual(self.command(app, {"id": "a5", "value": 1}, key=b"led"), {"id": "a5", "ok": False, "error": 'unknown command "led" (this device takes: threshold)'})


class MainPy(AppTest):
    def test_main_py_runs_the_app_with_secrets_py_and_config_py(self):
        App = firmware["app"].App
        started = []
        original = App.run
        App.run = lambda app: started.append(app)
        self.addCleanup(setattr, App, "run", original)
        sys.modules["secrets"] = secrets_module()
        self.addCleanup(sys.modules.pop, "secrets")
        runpy.run_path(os.path.join(FIRMWARE, "main.py"))
        (app,) = started
        self.assertEqual((app.device_id, app.trigger.threshold, app.settings.heartbeat_s), ("garage", 20, 300))


if __name__ == "__main__":
    unittest.main()
