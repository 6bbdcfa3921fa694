# On MicroPython-wasm the firmware runs on MicroPython's own `time`, and so do
# the hardware fakes written for the CPython tests (../fakes): what they do to
# the virtual clock of ../fakes/mtime.py happens for real here.
import time

# the watchdog fake (../fakes/machine.py) times its feeds on MicroPython's ticks
ticks_ms = time.ticks_ms
ticks_diff = time.ticks_diff


def advance_us(us):
    """machine.time_pulse_us: the echo takes its length to come back, as on the Pico."""
    time.sleep_us(us)


def set_rtc_unix(unix_s):
    """ntptime.settime(): the port's clock is the host's and cannot be set, so NTP may only confirm it."""
    if abs(unix_s - time.time()) > 2:
        raise OSError("MicroPython-wasm cannot set its clock to {} (it says {})".format(unix_s, time.time()))
