# The threshold set by command survives a reboot in a small JSON file on the
# Pico's flash. Written to a temporary file first and renamed over the old one
# (atomic on littlefs), so a power cut mid-write never leaves half a file.
import json
import os

from settings import check_threshold


def load_threshold(path, default):
    try:
        with open(path) as f:
            return check_threshold(json.load(f)["threshold_cm"])
    except OSError:
        return default  # no file yet: nothing was ever set by command
    except (ValueError, KeyError, TypeError) as error:
        print("{}: ignored ({}); using THRESHOLD_CM = {} from config.py".format(path, error, default))
        return default


def save_threshold(path, value):
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump({"threshold_cm": value}, f)
    os.rename(temporary, path)
