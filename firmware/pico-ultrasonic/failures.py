# What the console says about a failure. Never a password: whatever an
# exception or its traceback says is printed with the account's passwords
# masked, in case a library put one in its message.
import io
import sys

from umqtt.simple import MQTTException


class Failures:
    def __init__(self, hidden):
        self.hidden = [secret for secret in hidden if secret]

    def mask(self, text):
        for secret in self.hidden:
            text = text.replace(secret, "***")
        return text

    def describe(self, error):
        """One line: the text given, or the exception's type and message."""
        if isinstance(error, str):
            return error
        text = type(error).__name__
        if str(error):  # an assert in umqtt.simple says nothing more
            text += ": {}".format(error)
        # umqtt.simple raises MQTTException(CONNACK return code) when the broker refuses: 4 and 5 are bad credentials
        if isinstance(error, MQTTException) and error.args and error.args[0] in (4, 5):
            text += " (check MQTT_USER and MQTT_PASSWORD in secrets.py)"
        return self.mask(text)

    def traceback(self, error):
        """Where it happened, for a bug report."""
        out = io.StringIO()
        if hasattr(sys, "print_exception"):  # MicroPython
            sys.print_exception(error, out)
        else:  # CPython, which runs the host tests
            import traceback

            traceback.print_exception(error, file=out)
        return self.mask(out.getvalue().rstrip())
