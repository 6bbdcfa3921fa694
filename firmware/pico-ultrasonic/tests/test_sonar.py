import unittest

from support import FirmwareTest, cm_pulses, firmware, machine, mtime

sonar = firmware["sonar"]


class Conversion(unittest.TestCase):
    def test_pulse_to_cm_uses_343_m_per_s_there_and_back(self):
        self.assertAlmostEqual(sonar.pulse_to_cm(5831, sonar.cm_per_us()), 5831 * 0.0343 / 2)
        self.assertAlmostEqual(sonar.pulse_to_cm(5831, sonar.cm_per_us()), 100.0, places=1)

    def test_temperature_corrects_the_speed_of_sound(self):
        self.assertAlmostEqual(sonar.cm_per_us(0), 0.03313)
        self.assertAlmostEqual(sonar.cm_per_us(30), 0.034948)
        # at 0 °C sound is slower, so the same echo means a shorter distance
        self.assertLess(sonar.pulse_to_cm(5831, sonar.cm_per_us(0)), sonar.pulse_to_cm(5831, sonar.cm_per_us()))

    def test_median_of_odd_and_even_counts(self):
        self.assertEqual(sonar.median([5, 1, 3]), 3)
        self.assertEqual(sonar.median([4, 1, 3, 2]), 2.5)


class Reading(FirmwareTest):
    def sonar(self, samples=5):
        return sonar.Sonar(3, 2, samples, 60, 30000)

    def test_median_of_five_echoes_ignores_one_stray(self):
        machine.pulses = cm_pulses(100, 102, 250, 101, 99)
        self.assertAlmostEqual(self.sonar().read_cm(), 101, delta=0.05)

    def test_time_outs_are_failed_samples_never_distances(self):
        # -2: the echo never started; -1: it outlasted the time-out (nothing echoed)
        machine.pulses = [-2] + cm_pulses(100) + [-1] + cm_pulses(102, 101)
        s = self.sonar()
        self.assertAlmostEqual(s.read_cm(), 101, delta=0.05)
        self.assertEqual((s.no_pulse, s.no_echo), (1, 1))

    def test_no_reading_when_most_samples_fail(self):
        machine.pulses = [-1, -2, -1] + cm_pulses(100, 101)
        self.assertIsNone(self.sonar().read_cm())

    def test_nothing_in_front_gives_no_reading(self):
        machine.distance_cm = None
        self.assertIsNone(self.sonar().read_cm())

    def test_echoes_outside_2_to_400_cm_are_discarded(self):
        machine.pulses = cm_pulses(1, 450, 120, 121, 122)
        s = self.sonar()
        self.assertAlmostEqual(s.read_cm(), 121, delta=0.05)
        self.assertEqual(s.out_of_range, 2)

    def test_triggers_10_us_and_times_the_high_echo_with_the_configured_timeout(self):
        s = self.sonar(samples=3)
        s.read_cm()
        self.assertEqual(machine.calls, [(2, 1, 30000)] * 3)
        self.assertEqual(machine.pins[3].mode, machine.Pin.OUT)
        self.assertEqual(machine.pins[2].mode, machine.Pin.IN)
        self.assertEqual(machine.pins[3].levels, [0] + [0, 1, 0] * 3)

    def test_samples_are_spaced_so_echoes_die_out(self):
        machine.distance_cm = None  # every sample waits the full 30 ms time-out
        start = mtime.ticks_ms()
        self.sonar().read_cm()
        self.assertEqual(mtime.ticks_diff(mtime.ticks_ms(), start), 5 * 30 + 4 * 60)


if __name__ == "__main__":
    unittest.main()
