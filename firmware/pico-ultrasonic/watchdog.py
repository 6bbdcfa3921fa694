# The RP2040's hardware watchdog: when the main loop stops feeding it for
# TIMEOUT_MS, the chip reboots the Pico, whatever hung (a driver, the network
# stack, a bug). The main loop feeds it every step and before every call that
# may block; each of those is bounded well below the time-out. Once started it
# cannot be stopped, not even by Ctrl-C: config.py's WATCHDOG = False keeps it
# off while working at the REPL.
import machine

TIMEOUT_MS = 8000  # the RP2040's longest is about 8.3 s


class Watchdog:
    def __init__(self, enabled):
        self.wdt = machine.WDT(timeout=TIMEOUT_MS) if enabled else None

    def feed(self):
        if self.wdt is not None:
            self.wdt.feed()
