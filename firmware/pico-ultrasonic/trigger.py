# When a reading is an event worth sending. Pure logic: readings in, events out.
#
# Baseline: the median of the first `learn_readings` readings after boot.
# Event: a reading more than `threshold` cm from the baseline, when armed and
#   at least `holdoff_ms` after the previous event. Sending disarms.
# Re-arm: a reading back within threshold/2 of the baseline. Between the two
#   bands nothing changes (hysteresis), so someone lingering at the edge or
#   walking past is one event, not one per reading.
# Drift: each reading within threshold/2 of the baseline pulls it 1/100 of the
#   way towards itself (temperature and slow changes are followed).
# Relearn: a reading that stays within threshold/2 of one new distance for
#   `relearn_ms` (a car parked, furniture moved) becomes the baseline, and the
#   trigger re-arms: the new scene stops triggering.
import time

from sonar import median

DRIFT = 0.01


class Trigger:
    def __init__(self, threshold, learn_readings, holdoff_ms, relearn_ms):
        self.threshold = threshold
        self.learn_readings = learn_readings
        self.holdoff_ms = holdoff_ms
        self.relearn_ms = relearn_ms
        self.baseline = None
        self.learning = []
        self.armed = True
        self.last_event = None
        self.candidate = None
        self.candidate_since = None

    def update(self, distance, now):
        """Takes a reading (cm) at ticks_ms `now`; True when it is an event to send."""
        if self.baseline is None:
            self.learning.append(distance)
            if len(self.learning) >= self.learn_readings:
                self.baseline = median(self.learning)
                self.learning = []
                print("baseline learnt: {:.1f} cm".format(self.baseline))
            return False
        offset = abs(distance - self.baseline)
        band = self.threshold / 2
        if offset <= band:
            self.armed = True
            self.candidate = None
            self.baseline += (distance - self.baseline) * DRIFT
            return False
        if self.settled_elsewhere(distance, now, band):
            return False
        if offset > self.threshold and self.armed and self.holdoff_over(now):
            self.armed = False
            self.last_event = now
            return True
        return False

    def settled_elsewhere(self, distance, now, band):
        if self.candidate is None or abs(distance - self.candidate) > band:
            self.candidate = distance
            self.candidate_since = now
            return False
        if time.ticks_diff(now, self.candidate_since) < self.relearn_ms:
            return False
        print("baseline relearnt: {:.1f} cm -> {:.1f} cm (the distance stayed there)".format(self.baseline, distance))
        self.baseline = distance
        self.candidate = None
        self.armed = True
        return True

    def holdoff_over(self, now):
        return self.last_event is None or time.ticks_diff(now, self.last_event) >= self.holdoff_ms
