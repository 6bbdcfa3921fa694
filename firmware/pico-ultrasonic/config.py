# Settings of the Pico W ultrasonic sensor. Edit freely; secrets.py (Wi-Fi and
# MQTT account) stays exactly as `npx hearth device add` printed it.

# Friendly name shown in Hearth; None keeps the name Hearth has for it
# (`npx hearth device add garage --name "Garage door"`).
NAME = None

# GPIO numbers (GPn, not physical pin numbers). ECHO goes through a voltage
# divider: the HC-SR04 drives it at 5 V, the Pico's inputs take 3.3 V.
TRIG_PIN = 3
ECHO_PIN = 2

# A change of more than this many cm from the baseline is an event (1-400).
# `hearth/<id>/cmd/threshold` changes it at run time; that value is kept in
# STATE_FILE and wins over this one.
THRESHOLD_CM = 20

# Seconds between "still alive" messages; Hearth marks the device offline after
# three missed ones.
HEARTBEAT_S = 300

# One reading (the median of SAMPLES echoes, SAMPLE_GAP_MS apart) every
# READ_INTERVAL_MS.
READ_INTERVAL_MS = 200
SAMPLES = 5
SAMPLE_GAP_MS = 60
# 30 ms of echo is about 5 m there and back: beyond the HC-SR04's 4 m range.
ECHO_TIMEOUT_US = 30000

# Air temperature for the speed of sound; None takes 343 m/s (20 °C).
TEMPERATURE_C = None

# Readings that make the first baseline at boot (15 x 200 ms = 3 s): keep the
# view clear while the Pico starts.
LEARN_READINGS = 15
# After an event, another one is sent no sooner than this.
HOLDOFF_S = 2
# A new distance that stays put this long becomes the baseline (furniture moved).
RELEARN_S = 600

# Events kept while Hearth is unreachable; the oldest go first when full.
QUEUE_SIZE = 100

STATE_FILE = "settings.json"
NTP_HOST = "pool.ntp.org"

# The hardware watchdog reboots the Pico when the firmware hangs for 8 s. Once
# started it cannot be stopped, not even by Ctrl-C: set False while working at
# the REPL (mpremote, Thonny), True (the default) for a device left alone.
WATCHDOG = True
