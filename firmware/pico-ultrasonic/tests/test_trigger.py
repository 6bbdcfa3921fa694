import unittest

from support import FirmwareTest, firmware, mtime

Trigger = firmware["trigger"].Trigger


class TriggerTest(FirmwareTest):
    def setUp(self):
        super().setUp()
        self.now = 0
        self.trigger = Trigger(20, 3, 2000, 600000)

    def feed(self, *distances, every_ms=200):
        """Readings every `every_ms`; returns the indexes that were events."""
        events = []
        for i, d in enumerate(distances):
            if self.trigger.update(d, self.now):
                events.append(i)
            self.now = mtime.ticks_add(self.now, every_ms)
        return events

    def learnt(self, baseline=200):
        self.assertEqual(self.feed(baseline, baseline, baseline), [])
        self.assertEqual(self.trigger.baseline, baseline)

    def test_baseline_is_the_median_of_the_first_readings_and_they_send_nothing(self):
        self.assertEqual(self.feed(50, 201, 199), [])
        self.assertEqual(self.trigger.baseline, 199)

    def test_a_departure_beyond_the_threshold_is_one_event(self):
        self.learnt()
        self.assertEqual(self.feed(185, 180, 79, 80, 81, 80, 200), [2])

    def test_exactly_the_threshold_is_not_an_event(self):
        self.learnt()
        self.assertEqual(self.feed(180, 220), [])
        self.assertEqual(self.feed(179.9), [0])

    def test_farther_than_the_baseline_counts_too(self):
        self.learnt(100)
        self.assertEqual(self.feed(150), [0])

    def test_someone_walking_past_is_one_event_not_one_per_reading(self):
        self.learnt()
        person = [150, 120, 90, 95, 130, 160]
        self.assertEqual(self.feed(*person, 200, 200), [0])

    def test_rearms_near_the_baseline_and_fires_again_after_the_holdoff(self):
        self.learnt()
        self.assertEqual(self.feed(80, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 80), [0, 11])

    def test_holdoff_merges_a_quick_second_pass_and_fires_if_it_lasts(self):
        self.learnt()
        # out, back 200 ms later, out again: inside the 2 s hold-off
        self.assertEqual(self.feed(80, 200, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80), [0, 10])

    def test_between_half_and_full_threshold_neither_fires_nor_rearms(self):
        self.learnt()
        self.assertEqual(self.feed(80, *[185] * 20, 80), [0])
        self.assertEqual(self.feed(195, 80), [1])

    def test_baseline_drifts_slowly_towards_nearby_readings(self):
        self.learnt()
        self.feed(205)
        self.assertAlmostEqual(self.trigger.baseline, 200.05)
        self.feed(*[205] * 500)
        self.assertAlmostEqual(self.trigger.baseline, 205, delta=0.05)
        self.assertEqual(self.feed(*[205] * 10), [])

    def test_a_new_distance_that_stays_becomes_the_baseline(self):
        self.learnt()
        every = 1000
        # a car parks at 120 cm: one event, then 10 minutes of the same distance
        self.assertEqual(self.feed(*[120] * 600, every_ms=every), [0])
        self.assertEqual(self.trigger.baseline, 200)
        self.assertEqual(self.feed(121, every_ms=every), [])
        self.assertEqual(self.trigger.baseline, 121)
        self.assertEqual(self.feed(*[121] * 100, every_ms=every), [])
        # and when it leaves, that is an event again
        self.assertEqual(self.feed(200, every_ms=every), [0])

    def test_movement_does_not_count_as_a_new_baseline(self):
        self.learnt()
        self.feed(*[80, 150] * 700, every_ms=1000)
        self.assertEqual(self.trigger.baseline, 200)

    def test_a_new_threshold_applies_to_the_next_reading(self):
        self.learnt()
        self.trigger.threshold = 50
        self.assertEqual(self.feed(160), [])
        self.assertEqual(self.feed(140), [0])

    def test_holdoff_across_the_ticks_wrap(self):
        self.now = mtime.TICKS_PERIOD - 1000
        self.learnt()
        self.assertEqual(self.feed(80, 200, 80, 200, 200, 200, 200, 200, 200, 200, 80), [0, 10])
        self.assertLess(self.now, 5000)  # the ticks wrapped during the test


if __name__ == "__main__":
    unittest.main()
