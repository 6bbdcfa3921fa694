# Wall-clock time from NTP. Until ntptime.settime() has worked in this boot the
# Pico's clock is a made-up date, so now_ms() says None and messages go
# without a timestamp (the hub then uses its arrival time) rather than with a
# wrong one. MicroPython ports count from 1970 or from 2000: gmtime(0) tells.
import ntptime
import time

from backoff import Backoff

EPOCH_OFFSET_S = 946684800 if time.gmtime(0)[0] == 2000 else 0
RESYNC_MS = 24 * 3600 * 1000  # the RTC drifts a few seconds a day


def port_ms():
    """ms since the port's epoch; time_ns where the port has it, for sub-second stamps."""
    if hasattr(time, "time_ns"):
        return time.time_ns() // 1000000
    return time.time() * 1000


def date_time(ts_ms):
    """("YYYY-MM-DD", "HH:MM:SS") in UTC for ms since 1970."""
    t = time.gmtime(ts_ms // 1000 - EPOCH_OFFSET_S)
    return "{:04d}-{:02d}-{:02d}".format(t[0], t[1], t[2]), "{:02d}:{:02d}:{:02d}".format(t[3], t[4], t[5])


class Clock:
    def __init__(self, host):
        ntptime.host = host
        # the answer's wait (ntptime's default): settime() blocks for the DNS lookup and at most this
        ntptime.timeout = 1
        self.synced = False
        self.retry = Backoff(5000, 600000)
        self.resync_at = None

    def now_ms(self):
        """ms since 1970 (UTC), or None while the clock was never set."""
        if not self.synced:
            return None
        return port_ms() + EPOCH_OFFSET_S * 1000

    def sync_if_due(self, now):
        """Sets the clock from NTP when it never was, or a day ago; needs Wi-Fi."""
        if self.synced and time.ticks_diff(now, self.resync_at) < 0:
            return
        if not self.retry.ready(now):
            return
        try:
            ntptime.settime()
        except Exception as error:  # the network's doing: no answer (OSError), or a short or odd one
            delay = self.retry.failed(now)
            print("NTP {}: no time ({}: {}); next try in {} s".format(ntptime.host, type(error).__name__, error, delay // 1000))
            return
        self.retry.succeeded()
        self.synced = True
        self.resync_at = time.ticks_add(now, RESYNC_MS)
        date, clock = date_time(self.now_ms())
        print("clock set by NTP: {} {} UTC".format(date, clock))
