# umqtt.simple for host tests: the same MQTTClient methods and arguments as
# micropython-lib's, recording what the firmware does on `broker`. The broker
# can be down (connect raises OSError like a refused TCP connection), refuse
# the login (MQTTException with the CONNACK code), drop the session (the next
# call raises OSError, as the real client does on a closed socket, and the
# broker publishes the last will) and deliver messages to check_msg().
ECONNREFUSED = 111


class MQTTException(Exception):
    pass


class Broker:
    def reset(self):
        self.up = True
        self.refuse_code = None
        # ("connect", client, will) / ("publish", topic, msg, retain, qos) / ("subscribe", topic, qos) / ("ping",) / ("will", topic, msg)
        self.log = []
        self.retained = {}
        self.session = None
        self.will = None  # (topic, msg, retain, qos) as sent in the session's CONNECT, or None
        self.inbox = []
        self.publishes_before_drop = None

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


broker = Broker()


def reset():
    broker.reset()


class _Socket:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        self.client_id = client_id
        self.server = server
        self.port = port
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.cb = None
        self.sock = None
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

    def connect(self, clean_session=True):
        if not broker.up:
            raise OSError(ECONNREFUSED)
        if broker.refuse_code is not None:
            raise MQTTException(broker.refuse_code)
        self.sock = _Socket()
        broker.session = self
        # the will travels in CONNECT: one set later is not the broker's
        broker.will = (self.lw_topic, self.lw_msg, self.lw_retain, self.lw_qos) if self.lw_topic else None
        broker.log.append(("connect", self, broker.will))
        return False

    def _alive(self):
        if self.sock is None or self.sock.closed or broker.session is not self:
            raise OSError(-1)

    def publish(self, topic, msg, retain=False, qos=0):
        self._alive()
        assert isinstance(topic, bytes) and isinstance(msg, bytes), "topic and message go out as bytes"
        if broker.publishes_before_drop is not None:
            if broker.publishes_before_drop == 0:
                broker.publishes_before_drop = None
                broker.drop()
                raise OSError(-1)
            broker.publishes_before_drop -= 1
        broker.log.append(("publish", topic, msg, retain, qos))
        if retain:
            broker.retained[topic] = msg

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        self._alive()
        broker.log.append(("subscribe", topic, qos))

    def check_msg(self):
        self._alive()
        if broker.inbox:
            topic, msg = broker.inbox.pop(0)
            self.cb(topic, msg)
            return 0x30
        return None

    def ping(self):
        self._alive()
        broker.log.append(("ping",))

    def disconnect(self):
        self._alive()
        broker.session = None
        self.sock.close()


reset()
