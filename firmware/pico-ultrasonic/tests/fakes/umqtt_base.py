# What the three stand-ins for micropython-lib's umqtt.simple (1.7.0) have in
# common, so that each keeps only how it reaches a broker: fakes/umqtt (the
# recording broker of the host tests), e2e/umqtt (MQTT over a real CPython
# socket) and micropython/umqtt (a bridge to mqtt.js on MicroPython-wasm).
# A module of its own beside the fakes rather than inside a umqtt package:
# on the end-to-end run e2e/umqtt shadows fakes/umqtt on sys.path, and on
# MicroPython-wasm it is copied to /lib (tests/micropython/load-firmware.ts).
# Runs on CPython 3.11 and MicroPython 1.27.


class MQTTException(Exception):
    pass


class TimeoutState:
    """What umqtt.simple changes on its socket: the time-out (None: blocking, 0: non-blocking)."""

    def __init__(self):
        self.timeout = None

    def settimeout(self, value):
        self.timeout = value

    def setblocking(self, flag):
        self.timeout = None if flag else 0


class MQTTClient:
    """umqtt.simple's constructor, last will and callback, as micropython-lib has them; subclasses do the talking."""

    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        if ssl is not None:
            raise NotImplementedError("umqtt.simple stand-in: ssl is not supported, the tests speak plain MQTT")
        self.client_id = client_id
        self.server = server
        self.port = port or 1883
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.pid = 0
        self.cb = None
        self.sock = None
        self.socket = None  # the socket itself, whatever the firmware wraps it in as `sock`
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        assert 0 <= qos <= 2
        assert topic
        self.lw_topic = topic
        self.lw_msg = msg
        self.lw_qos = qos
        self.lw_retain = retain

    def _open(self, sock, timeout):
        """connect()'s first step, as umqtt.simple's: a new socket with connect(timeout=...)'s time-out."""
        self.sock = self.socket = sock
        sock.settimeout(timeout)
