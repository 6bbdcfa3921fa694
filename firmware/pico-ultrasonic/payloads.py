# The JSON messages of the Hearth device protocol (docs/protocol.md), as dicts.
from clock import date_time

MODEL = "pico-ultrasonic"
VERSION = "1.1.0"


def one_decimal(cm):
    return round(cm, 1)


def announce(device_id, name, heartbeat_s):
    """Without a name, Hearth keeps the one the device was given there (`device add --name`)."""
    cm = {"kind": "sensor", "unit": "cm", "device_class": "distance", "state_class": "measurement"}
    distance = {"key": "distance", "name": "Distance"}
    baseline = {"key": "baseline", "name": "Baseline"}
    distance.update(cm)
    baseline.update(cm)
    message = {
        "id": device_id,
        "model": MODEL,
        "manufacturer": "Hearth",
        "sw": VERSION,
        # three missed heartbeats, and Hearth shows the device offline
        "offline_after": 3 * heartbeat_s,
        "entities": [
            distance,
            baseline,
            {"key": "rssi", "kind": "sensor", "name": "Wi-Fi signal", "unit": "dBm", "device_class": "signal_strength", "state_class": "measurement"},
            # commandable from Hearth (POST /api/entities/number.<id>_threshold/commands)
            {"key": "threshold", "kind": "number", "name": "Trigger threshold", "unit": "cm"},
        ],
    }
    if name is not None:
        message["name"] = name
    return message


def stamped(message, ts_ms):
    """Adds ts, date and time (UTC) when the clock is set; without a clock, none of them."""
    if ts_ms is not None:
        message["ts"] = ts_ms
        message["date"], message["time"] = date_time(ts_ms)
    return message


def event(device_id, distance, baseline, ts_ms):
    return stamped({"device_id": device_id, "distance": one_decimal(distance), "baseline": one_decimal(baseline)}, ts_ms)


def threshold_report(ts_ms, threshold):
    """The threshold in effect, sent after a command changed it (and in every heartbeat)."""
    message = {"threshold": threshold}
    if ts_ms is not None:
        message["ts"] = ts_ms
    return message


def heartbeat(ts_ms, rssi, baseline, threshold):
    message = threshold_report(ts_ms, threshold)
    if rssi is not None:
        message["rssi"] = rssi
    if baseline is not None:
        message["baseline"] = one_decimal(baseline)
    return message


def ack(command_id, value=None, error=None):
    if error is not None:
        return {"id": command_id, "ok": False, "error": error}
    return {"id": command_id, "ok": True, "value": value}
