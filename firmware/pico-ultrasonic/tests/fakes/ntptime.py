# MicroPython's ntptime for host tests: settime() sets the fake RTC to
# `server_unix_s` (the host's clock when None), or raises OSError(ETIMEDOUT)
# as the real one does when no answer comes, `failures` times in a row.
import time as _real

import mtime

ETIMEDOUT = 110


def reset():
    global host, server_unix_s, failures, calls
    host = "pool.ntp.org"
    server_unix_s = 1741964966  # 2025-03-14 15:09:26 UTC
    failures = 0
    calls = 0


def settime():
    global failures, calls
    calls += 1
    if failures:
        failures -= 1
        raise OSError(ETIMEDOUT)
    mtime.set_rtc_unix(server_unix_s if server_unix_s is not None else _real.time())


reset()
