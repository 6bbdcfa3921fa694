# The main loop with every piece of hardware faked: what goes over MQTT, when.
import json
import os
import runpy
import sys
import unittest

from support import FIRMWARE, PASSWORD, FirmwareTest, firmware, machine, mtime, network, ntptime, secrets_module, umqtt

broker = umqtt.broker


class StopRun(BaseException):
    """Ends App.run() from a test; not an Exception, so the firmware cannot catch it."""


class AppTest(FirmwareTest):
    bugs_expected = False

    def tearDown(self):
        # whatever happened, the console (the Pico's serial output) never shows the password
        self.assertNotIn(PASSWORD, self.console.getvalue())
        # nor, unless a test makes one on purpose, a bug of the firmware's own
        if not self.bugs_expected:
            self.assertNotIn("unexpected error", self.console.getvalue())
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


class NetworkTrouble(AppTest):
    """Whatever umqtt.simple raises is the network's doing: the session is dropped, made again after a pause, and sensing goes on."""

    def connects(self):
        return len([e for e in broker.log if e[0] == "connect"])

    def test_a_half_read_packet_in_check_msg_reconnects_and_the_event_meanwhile_is_delivered(self):
        app = self.booted()
        broker.garble("check_msg", IndexError("bytes index out of range"))
        self.walk_past(app)
        self.assertEqual([e["distance"] for e in self.events()], [80.0])
        self.assertEqual(self.connects(), 2)
        self.assertIn("MQTT connection lost: IndexError: bytes index out of range (next try in 1 s)", self.console.getvalue())
        self.assertEqual(len(broker.open_sockets()), 1)  # the broken session's socket was closed

    def test_a_half_read_puback_sends_the_event_again_in_the_next_session(self):
        app = self.booted()
        broker.garble("publish", TypeError("'NoneType' object isn't subscriptable"))
        self.walk_past(app)
        # the broker had it, but without its PUBACK the firmware cannot know: at least once, as QoS 1 promises
        self.assertEqual([e["distance"] for e in self.events()], [80.0, 80.0])
        self.assertEqual(len(app.outbox), 0)
        self.assertEqual(self.connects(), 2)
        self.assertIn("MQTT connection lost: TypeError: 'NoneType' object isn't subscriptable", self.console.getvalue())

    def test_a_garbled_connack_is_a_failed_attempt(self):
        broker.garble("connect", AssertionError())
        app = self.make_app()
        self.run_for(app, 10000)
        self.assertIn("MQTT 192.0.2.5:1883: AssertionError (next try in 1 s)", self.console.getvalue())
        self.assertTrue(app.link.connected)
        self.assertEqual(len(broker.open_sockets()), 1)

    def test_a_dead_connection_times_out_instead_of_blocking_and_sensing_goes_on(self):
        app = self.booted()
        # check_msg has set the socket blocking again, as umqtt.simple does: the time-out is still there
        self.assertEqual(broker.session.socket.timeout, 3)
        broker.silent = True  # the hub's machine vanished: nothing answers, nothing says so
        self.walk_past(app)  # its event waits for a PUBACK that never comes
        self.assertIn("MQTT connection lost: OSError: 110 (next try in 1 s)", self.console.getvalue())
        self.walk_past(app, cm=90)  # while connecting times out too
        self.assertIn("MQTT 192.0.2.5:1883: OSError: 110", self.console.getvalue())
        self.assertEqual(self.events(), [])
        self.assertEqual(len(app.outbox), 2)
        broker.silent = False
        self.run_for(app, 70000)
        self.assertEqual([e["distance"] for e in self.events()], [80.0, 90.0])
        self.assertEqual(len(broker.open_sockets()), 1)

    def test_failed_connections_leave_no_socket_open(self):
        broker.up = False
        app = self.make_app()
        self.run_for(app, 120000)
        self.assertGreater(len(broker.sockets), 5)
        self.assertEqual(broker.open_sockets(), [])

    def test_a_broker_that_breaks_every_session_is_not_hammered_and_a_lasting_session_resets_the_backoff(self):
        app = self.booted()
        start = mtime.ticks_ms()
        while mtime.ticks_diff(mtime.ticks_ms(), start) < 180000:
            if "check_msg" not in broker.garbled:
                broker.garble("check_msg", IndexError("bytes index out of range"))
            app.step()
        lost = [line for line in self.console.getvalue().splitlines() if line.startswith("MQTT connection lost")]
        waits = [int(line.split("next try in ")[1].split(" ")[0]) for line in lost]
        self.assertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60])
        broker.garbled.clear()
        self.run_for(app, 120000)  # a session that lasts past its first ping
        broker.drop()
        self.run_for(app, 1000)
        self.assertTrue(self.console.getvalue().rstrip().endswith("MQTT connection lost: OSError: -1 (next try in 1 s)"))

    def test_an_error_that_quotes_a_password_is_masked(self):
        broker.garble("connect", OSError("login with {} refused".format(PASSWORD)))
        app = self.make_app()
        self.run_for(app, 3000)
        self.assertIn("MQTT 192.0.2.5:1883: OSError: login with *** refused (next try in 1 s)", self.console.getvalue())


class Watchdog(AppTest):
    def watchdog(self):
        (wdt,) = machine.watchdogs
        return wdt

    def test_the_main_loop_feeds_an_8_s_watchdog_through_outages_and_time_outs(self):
        app = self.booted()
        wdt = self.watchdog()
        self.assertEqual(wdt.timeout_ms, 8000)
        broker.silent = True
        self.walk_past(app)
        self.run_for(app, 60000)
        network.air.drop()
        network.air.in_range = False
        self.run_for(app, 30000)
        network.air.in_range = True
        broker.silent = False
        self.run_for(app, 70000)
        self.assertTrue(app.link.connected)
        self.assertEqual([e["distance"] for e in self.events()], [80.0])
        self.assertFalse(wdt.starved())
        # each call that may block is fed just before: the longest wait is one socket time-out (3 s) and a bit
        self.assertLess(wdt.longest_ms, 4000)

    def test_a_slow_broker_is_waited_for_with_the_watchdog_fed_before_each_wait(self):
        broker.answer_ms = 2500  # a hub on a busy Raspberry Pi: every answer takes 2.5 s, within the socket's time-out
        app = self.make_app()
        self.run_for(app, 60000)
        self.assertTrue(app.link.connected)
        self.assertEqual(len(self.heartbeats()), 1)
        wdt = self.watchdog()
        # connecting alone waits four times (CONNACK, two PUBACKs, SUBACK): fed before each
        self.assertFalse(wdt.starved())
        self.assertLess(wdt.longest_ms, 4000)

    def test_a_step_that_hangs_is_not_fed_so_the_pico_reboots(self):
        app = self.booted()
        wdt = self.watchdog()
        self.assertFalse(wdt.starved())
        app.sonar.read_cm = lambda: mtime.advance_us(9 * 10**6)  # the sensor's driver hangs for 9 s
        app.step()
        self.assertTrue(wdt.starved())

    def test_a_long_read_interval_is_slept_in_pieces_that_feed_it(self):
        network.air.polls_to_connect = 0  # the chip connects in the background, well within a minute
        app = self.make_app(READ_INTERVAL_MS=60000)
        self.run_for(app, 600000)
        self.assertTrue(app.link.connected)
        self.assertFalse(self.watchdog().starved())

    def test_off_while_working_at_the_repl(self):
        self.booted(WATCHDOG=False)
        self.assertEqual(machine.watchdogs, [])


class Bugs(AppTest):
    """An exception that is not the network's is a bug: it is said, the loop pauses, and it does not go on forever."""

    bugs_expected = True

    def test_a_bug_is_reported_with_its_traceback_and_the_loop_goes_on_after_a_pause(self):
        app = self.booted()
        update = app.trigger.update
        calls = []

        def buggy(distance, now):
            calls.append(mtime.ticks_ms())
            if len(calls) == 1:
                raise TypeError("unsupported types for -: 'NoneType', 'float'")
            if len(calls) == 20:
                raise StopRun
            return update(distance, now)

        app.trigger.update = buggy
        with self.assertRaises(StopRun):
            app.run()
        console = self.console.getvalue()
        self.assertIn("unexpected error (1 in a row): TypeError: unsupported types for -: 'NoneType', 'float'\nTraceback", console)
        self.assertIn(", in buggy\n", console)
        self.assertIn("next try in 1 s", console)
        self.assertGreaterEqual(mtime.ticks_diff(calls[1], calls[0]), 1000)  # not a tight loop
        self.assertEqual(app.failed_steps, 0)  # the steps after it went fine
        self.assertTrue(app.link.connected)

    def test_a_bug_that_keeps_coming_back_ends_the_loop_and_the_watchdog_restarts_the_pico(self):
        app = self.booted()

        def broken(distance, now):
            raise KeyError("baseline")

        app.trigger.update = broken
        start = mtime.ticks_ms()
        with self.assertRaises(KeyError):
            app.run()
        self.assertGreaterEqual(mtime.ticks_diff(mtime.ticks_ms(), start), (1 + 2 + 4 + 8) * 1000)
        console = self.console.getvalue()
        self.assertEqual(console.count("unexpected error"), 5)
        self.assertIn("unexpected error (5 in a row): KeyError: 'baseline'", console)
        self.assertTrue(console.rstrip().endswith("giving up: the watchdog restarts the Pico in 8 s"))
        wdt = machine.watchdogs[0]
        self.assertFalse(wdt.starved())
        mtime.advance_us(9 * 10**6)  # main.py has ended: nothing feeds it any more
        self.assertTrue(wdt.starved())


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

    def test_the_new_threshold_goes_out_on_telemetry_right_after_the_ack(self):
        app = self.booted()
        before = len(broker.log)
        at = mtime.wall_ms()
        self.command(app, {"id": "a6", "value": 35})
        published = [(e[1], json.loads(e[2])) for e in broker.log[before:] if e[0] == "publish"]
        self.assertEqual([p[0] for p in published], [b"hearth/garage/cmd/threshold/ack", b"hearth/garage/telemetry"])
        report = published[1][1]
        self.assertEqual(set(report), {"ts", "threshold"})
        self.assertEqual(report["threshold"], 35)
        self.assertAlmostEqual(report["ts"], at, delta=600)
        # a refused value changes nothing, and nothing is reported
        self.command(app, {"id": "a7", "value": 0})
        self.assertEqual([m for m in self.telemetry() if set(m) == {"ts", "threshold"}], [report])

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
