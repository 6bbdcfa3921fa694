# Checks config.py and secrets.py once at boot, so a typo is reported by name
# instead of surfacing later as a strange failure.
import json

THRESHOLD_MIN_CM = 1
THRESHOLD_MAX_CM = 400

# With the watchdog on, one reading (its echoes and the gaps between them) must
# leave the rest of the step time before the watchdog's 8 s run out.
READING_MAX_MS = 4000

# name: (lowest, highest) for numbers; None for text; bool for a switch.
CONFIG_RULES = {
    "NAME": None,
    "TRIG_PIN": (0, 29),
    "ECHO_PIN": (0, 29),
    "THRESHOLD_CM": (THRESHOLD_MIN_CM, THRESHOLD_MAX_CM),
    "HEARTBEAT_S": (10, 86400 // 3),
    "READ_INTERVAL_MS": (0, 60000),
    "SAMPLES": (1, 15),
    "SAMPLE_GAP_MS": (0, 1000),
    "ECHO_TIMEOUT_US": (1000, 100000),
    "TEMPERATURE_C": (-40, 60),
    "LEARN_READINGS": (1, 1000),
    "HOLDOFF_S": (0, 3600),
    "RELEARN_S": (10, 86400),
    "QUEUE_SIZE": (1, 1000),
    "STATE_FILE": None,
    "NTP_HOST": None,
    "WATCHDOG": bool,
}
# Left at None to take the default described in config.py.
OPTIONAL = ("NAME", "TEMPERATURE_C")

SECRET_NAMES = ("WIFI_SSID", "WIFI_PASSWORD", "MQTT_HOST", "MQTT_PORT", "DEVICE_ID", "MQTT_USER", "MQTT_PASSWORD")
# An open Wi-Fi network has no password.
MAY_BE_EMPTY = ("WIFI_PASSWORD",)


def is_number(value):
    # bool is an int subclass, but True is not a distance
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_threshold(value):
    """A threshold (cm) from a command or the state file, or ValueError saying what is wrong (values shown as JSON)."""
    if not is_number(value):
        raise ValueError("threshold must be a number of cm, got {}".format(json.dumps(value)))
    if not THRESHOLD_MIN_CM <= value <= THRESHOLD_MAX_CM:
        raise ValueError("threshold must be between {} and {} cm, got {}".format(THRESHOLD_MIN_CM, THRESHOLD_MAX_CM, json.dumps(value)))
    return value


class Settings:
    pass


def load_config(config):
    settings = Settings()
    for name, rule in CONFIG_RULES.items():
        if not hasattr(config, name):
            raise ValueError("config.py: {} is missing (copy it from the config.py shipped with the firmware)".format(name))
        value = getattr(config, name)
        if value is None and name in OPTIONAL:
            pass
        elif rule is bool:
            if not isinstance(value, bool):
                raise ValueError("config.py: {} must be True or False, got {}".format(name, repr(value)))
        elif rule is None:
            if not isinstance(value, str) or not value:
                raise ValueError("config.py: {} must be non-empty text, got {}".format(name, repr(value)))
        elif not is_number(value) or not rule[0] <= value <= rule[1]:
            raise ValueError("config.py: {} must be a number from {} to {}, got {}".format(name, rule[0], rule[1], repr(value)))
        setattr(settings, name.lower(), value)
    if settings.watchdog:
        check_reading_time(settings)
    return settings


def check_reading_time(s):
    longest_ms = round(s.samples * s.echo_timeout_us / 1000 + (s.samples - 1) * s.sample_gap_ms)
    if longest_ms > READING_MAX_MS:
        raise ValueError(
            "config.py: one reading may take {} ms (SAMPLES x ECHO_TIMEOUT_US, plus SAMPLE_GAP_MS between samples), "
            "more than the {} ms the watchdog leaves it: lower SAMPLES, SAMPLE_GAP_MS or ECHO_TIMEOUT_US".format(longest_ms, READING_MAX_MS)
        )


def load_account(secrets):
    account = Settings()
    for name in SECRET_NAMES:
        value = getattr(secrets, name, None)
        if name == "MQTT_PORT":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
                raise ValueError("secrets.py: MQTT_PORT must be a port number, got {}".format(repr(value)))
        elif not isinstance(value, str) or not (value or name in MAY_BE_EMPTY):
            # never echo the value: it may be a password
            raise ValueError("secrets.py: {} is missing or empty (npx hearth device add <id> --kind pico prints the file)".format(name))
        setattr(account, name.lower(), value)
    return account
