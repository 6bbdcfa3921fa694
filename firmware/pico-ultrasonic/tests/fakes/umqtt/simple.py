# umqtt.simple for host tests: the same MQTTClient methods and arguments as
# micropython-lib's (1.7.0), recording what the firmware does on `broker`, and
# treating its socket as umqtt.simple does: connect(timeout=...) sets the
# time-out, check_msg() makes the socket non-blocking, and waiting for an
# answer (wait_msg) makes it blocking again, which on MicroPython also drops
# the time-out. The broker can be down (connect raises OSError like a refused
# TCP connection), refuse the login (MQTTException with the CONNACK code),
# drop the session (the next call raises OSError, as the real client does on
# a closed socket, and the broker publishes the last will), answer slowly, go
# silent (a dead connection: no answer comes, so a wait costs the socket's
# time-out and raises OSError ETIMEDOUT, or blocks forever without one),
# garble an answer (the call raises what umqtt.simple raises on a half-read
# packet, e.g. IndexError) and deliver messages to check_msg().
import mtime
import umqtt_base
from umqtt_base import MQTTException

ECONNREFUSED = 111
ETIMEDOUT = 110


class Blocked(BaseException):
    """A wait the real client would never come back from. Not an Exception, so no handler in the firmware can swallow it: the test fails."""


class Misuse(BaseException):
    """The firmware called the client in a way the real one does not take; fails the test, as Blocked does."""


class Broker:
    def reset(self):
        self.up = True
        self.refuse_code = None
        self.silent = False
        self.answer_ms = 0  # how long each answer takes
        self.garbled = {}  # call name -> what its next call raises
        # ("connect", client, will) / ("publish", topic, msg, retain, qos) / ("subscribe", topic, qos) / ("ping",) / ("will", topic, msg)
        self.log = []
        self.retained = {}
        self.session = None
        self.will = None  # (topic, msg, retain, qos) as sent in the session's CONNECT, or None
        self.inbox = []
        self.publishes_before_drop = None
        self.sockets = []

    def published(self, topic=None):
        return [(e[1], e[2]) for e in self.log if e[0] == "publish" and (topic is None or e[1] == topic)]

    def drop(self):
        """The connection breaks (hub restarted, cable pulled): the will goes out."""
        client, self.session = self.session, None
        if client is not None and self.will is not None:
            topic, msg, retain, qos = self.will
            self.log.append(("will", topic, msg))
            if retain:
                self.retained[topic] = msg

    def deliver(self, topic, msg):
        self.inbox.append((topic, msg))

    def garble(self, call, error):
        """The answer to the next `call` ("connect", "publish", "subscribe", "check_msg") arrives half: it raises `error`."""
        self.garbled[call] = error

    def open_sockets(self):
        return [s for s in self.sockets if not s.closed]


broker = Broker()


def reset():
    broker.reset()


class _Socket(umqtt_base.TimeoutState):
    """Its time-out, and whether it is closed."""

    def __init__(self):
        super().__init__()
        self.closed = False
        broker.sockets.append(self)

    def close(self):
        self.closed = True


class MQTTClient(umqtt_base.MQTTClient):
    def connect(self, clean_session=True, timeout=None):
        self._open(_Socket(), timeout)
        if not broker.up:
            raise OSError(ECONNREFUSED)
        self._wait("connect")
        if broker.refuse_code is not None:
            raise MQTTException(broker.refuse_code)
        broker.session = self
        # the will travels in CONNECT: one set later is not the broker's
        broker.will = (self.lw_topic, self.lw_msg, self.lw_retain, self.lw_qos) if self.lw_topic else None
        broker.log.append(("connect", self, broker.will))
        return False

    def _alive(self):
        if self.socket is None or self.socket.closed or broker.session is not self:
            raise OSError(-1)

    def _wait(self, call):
        """Reads the broker's answer to `call`: garbled, late (answer_ms), never coming, or past the socket's time-out."""
        if call in broker.garbled:
            raise broker.garbled.pop(call)
        timeout = self.socket.timeout
        if timeout == 0:
            return  # non-blocking: takes what is there
        wait_ms = None if broker.silent else broker.answer_ms
        if timeout is not None and (wait_ms is None or wait_ms > timeout * 1000):
            mtime.advance_us(round(timeout * 1000000))
            raise OSError(ETIMEDOUT)
        if wait_ms is None:
            raise Blocked("umqtt.simple would wait forever for the broker's answer to {}: its socket has no time-out".format(call))
        mtime.advance_us(wait_ms * 1000)

    def _wait_msg(self, call):
        """wait_msg(): reads with the socket as it is, then sets it blocking."""
        self._wait(call)
        self.sock.setblocking(True)

    def publish(self, topic, msg, retain=False, qos=0):
        self._alive()
        if not isinstance(topic, bytes) or not isinstance(msg, bytes):
            raise Misuse("topic and message go out as bytes")
        if broker.publishes_before_drop is not None:
            if broker.publishes_before_drop == 0:
                broker.publishes_before_drop = None
                broker.drop()
                raise OSError(-1)
            broker.publishes_before_drop -= 1
        if not broker.silent:
            broker.log.append(("publish", topic, msg, retain, qos))
            if retain:
                broker.retained[topic] = msg
        if qos == 1:
            self._wait_msg("publish")  # PUBACK

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        self._alive()
        if not broker.silent:
            broker.log.append(("subscribe", topic, qos))
        self._wait_msg("subscribe")  # SUBACK

    def check_msg(self):
        self._alive()
        self.sock.setblocking(False)
        self._wait_msg("check_msg")
        if broker.silent or not broker.inbox:
            return None
        topic, msg = broker.inbox.pop(0)
        self.cb(topic, msg)
        return 0x30

    def ping(self):
        self._alive()
        if not broker.silent:
            broker.log.append(("ping",))

    def disconnect(self):
        self._alive()
        broker.session = None
        self.socket.close()


reset()
