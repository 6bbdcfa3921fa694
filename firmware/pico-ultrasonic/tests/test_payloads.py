import json
import unittest

from support import FirmwareTest, firmware, mtime, ntptime

payloads = firmware["payloads"]
clock = firmware["clock"]
link = firmware["link"]

TS = 1741964966123  # 2025-03-14 15:09:26.123 UTC


class Payloads(unittest.TestCase):
    def test_announce(self):
        self.assertEqual(
            payloads.announce("garage", "Garage door", 300),
            {
                "id": "garage",
                "name": "Garage door",
                "model": "pico-ultrasonic",
                "manufacturer": "Hearth",
                "sw": payloads.VERSION,
                "offline_after": 900,
                "entities": [
                    {"key": "distance", "kind": "sensor", "name": "Distance", "unit": "cm", "device_class": "distance", "state_class": "measurement"},
                    {"key": "baseline", "kind": "sensor", "name": "Baseline", "unit": "cm", "device_class": "distance", "state_class": "measurement"},
                    {"key": "rssi", "kind": "sensor", "name": "Wi-Fi signal", "unit": "dBm", "device_class": "signal_strength", "state_class": "measurement"},
                    {"key": "threshold", "kind": "number", "name": "Trigger threshold", "unit": "cm"},
                ],
            },
        )
        self.assertNotIn("name", payloads.announce("garage", None, 60))

    def test_event_with_the_clock_set(self):
        message = json.loads(link.encode(payloads.event("garage", 80.04, 199.96, TS)))
        self.assertEqual(message, {"ts": TS, "device_id": "garage", "date": "2025-03-14", "time": "15:09:26", "distance": 80.0, "baseline": 200.0})

    def test_threshold_report_with_and_without_a_clock(self):
        self.assertEqual(payloads.threshold_report(TS, 35), {"ts": TS, "threshold": 35})
        self.assertEqual(payloads.threshold_report(None, 35), {"threshold": 35})

    def test_event_without_a_clock_has_no_ts_date_or_time(self):
        message = json.loads(link.encode(payloads.event("garage", 80.06, 200, None)))
        self.assertEqual(message, {"device_id": "garage", "distance": 80.1, "baseline": 200.0})

    def test_heartbeat(self):
        self.assertEqual(payloads.heartbeat(TS, -61, 200.04, 20), {"ts": TS, "rssi": -61, "baseline": 200.0, "threshold": 20})
        # before NTP, before the first baseline, without a signal reading
        self.assertEqual(payloads.heartbeat(None, None, None, 20), {"threshold": 20})

    def test_acks(self):
        self.assertEqual(payloads.ack("c1", value=35), {"id": "c1", "ok": True, "value": 35})
        self.assertEqual(payloads.ack("c1", error="no"), {"id": "c1", "ok": False, "error": "no"})


class Clock(FirmwareTest):
    def test_date_and_time_are_utc_from_the_same_timestamp(self):
        self.assertEqual(clock.date_time(TS), ("2025-03-14", "15:09:26"))
        self.assertEqual(clock.date_time(1735689599999), ("2024-12-31", "23:59:59"))

    def test_the_port_epoch_is_read_from_gmtime(self):
        # the fake, like the Pico's older ports, counts from 2000
        self.assertEqual(clock.EPOCH_OFFSET_S, 946684800)

    def test_no_time_until_ntp_has_answered(self):
        c = clock.Clock("pool.ntp.org")
        self.assertIsNone(c.now_ms())  # the RTC says 2021-01-01: not a time to send
        c.sync_if_due(mtime.ticks_ms())
        self.assertEqual(c.now_ms(), ntptime.server_unix_s * 1000)
        mtime.sleep_ms(1500)
        self.assertEqual(c.now_ms(), ntptime.server_unix_s * 1000 + 1500)

    def test_ntp_is_retried_with_backoff_then_daily(self):
        ntptime.failures = 3
        c = clock.Clock("time.example")
        tried_at = []
        for second in range(0, 90000 * 2):
            calls = ntptime.calls
            c.sync_if_due(mtime.ticks_ms())
            if ntptime.calls != calls:
                tried_at.append(second)
            mtime.sleep_ms(1000)
        self.assertEqual(ntptime.host, "time.example")
        self.assertEqual(tried_at[:4], [0, 5, 15, 35])  # 5 s, 10 s, 20 s apart
        self.assertEqual(tried_at[4:], [35 + 86400, 35 + 2 * 86400])
        self.assertIn("NTP time.example: no time (OSError: 110); next try in 5 s", self.console.getvalue())


if __name__ == "__main__":
    unittest.main()
