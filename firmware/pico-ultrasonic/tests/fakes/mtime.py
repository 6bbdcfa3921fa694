# MicroPython's `time` for host tests, handed to the firmware modules as `time`
# (support.py): ticks_ms/ticks_us wrap at 2**30 like on the RP2040, sleeps
# advance a virtual clock (so a test runs minutes of firmware time in
# milliseconds), and the RTC counts from the 2000 epoch and starts at
# 2021-01-01 like a Pico's that NTP has not set yet. use_real_clock() makes it
# follow the host's clock instead (the end-to-end run against a real hub).
import time as _real

TICKS_PERIOD = 1 << 30
_HALF = TICKS_PERIOD // 2
EPOCH_2000_UNIX_S = 946684800
BOOT_RTC_NS = 662688000 * 10**9  # 2021-01-01 00:00:00 since 2000-01-01

_state = {}


def reset(ticks_start=0):
    _state.update(us=0, ticks_start=ticks_start, rtc_at_zero_ns=BOOT_RTC_NS, real_start_ns=None)


def use_real_clock():
    _state["real_start_ns"] = _real.monotonic_ns()


def wall_ms(us_ago=0):
    """What the RTC says (ms since 1970), or said `us_ago` microseconds before now."""
    return (time_ns() - us_ago * 1000) // 1000000 + EPOCH_2000_UNIX_S * 1000


def now_us():
    """Microseconds since the fake boot."""
    return _now_us()


def _now_us():
    if _state["real_start_ns"] is not None:
        return (_real.monotonic_ns() - _state["real_start_ns"]) // 1000
    return _state["us"]


def advance_us(us):
    if _state["real_start_ns"] is not None:
        _real.sleep(us / 1e6)
    else:
        _state["us"] += us


def set_rtc_unix(unix_s):
    """What ntptime.settime() does through machine.RTC: the wall clock becomes unix_s now."""
    _state["rtc_at_zero_ns"] = round((unix_s - EPOCH_2000_UNIX_S) * 10**9) - _now_us() * 1000


def ticks_ms():
    return (_now_us() // 1000 + _state["ticks_start"]) % TICKS_PERIOD


def ticks_us():
    return (_now_us() + _state["ticks_start"] * 1000) % TICKS_PERIOD


def ticks_add(ticks, delta):
    assert -_HALF <= delta < _HALF, "ticks_add: delta out of range"
    return (ticks + delta) % TICKS_PERIOD


def ticks_diff(end, start):
    return (end - start + _HALF) % TICKS_PERIOD - _HALF


def sleep_ms(ms):
    advance_us(ms * 1000)


def sleep_us(us):
    advance_us(us)


def sleep(seconds):
    advance_us(int(seconds * 1e6))


def time_ns():
    return _state["rtc_at_zero_ns"] + _now_us() * 1000


def time():
    return time_ns() // 1000000000


def gmtime(secs=None):
    if secs is None:
        secs = time()
    t = _real.gmtime(secs + EPOCH_2000_UNIX_S)
    # MicroPython's 8-tuple: weekday 0 = Monday, yearday 1-366
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, t.tm_wday, t.tm_yday)


localtime = gmtime

reset()
