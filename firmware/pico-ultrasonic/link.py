# The MQTT session with Hearth over umqtt.simple from micropython-lib, in a
# version whose connect() takes `timeout` (added by micropython-lib PR #890 in
# October 2024; 1.7.0 and later have it). Every (re)connection sets
# the last will (retained "offline" on the status topic), then announces, says
# "online" and subscribes to commands. Commands are only collected in the
# callback and answered from the main loop: publishing from inside umqtt's
# callback would nest wait_msg() calls.
#
# umqtt.simple reads the broker's answers with plain indexing and assert, so a
# connection that breaks mid-packet surfaces as IndexError, TypeError,
# AssertionError... as well as OSError and MQTTException. Whatever a call into
# the client raises is therefore the network's doing: the session is dropped
# (its socket closed: lwIP has only a few) and LinkDown raised for the app to
# back off and reconnect. Every such call first feeds the watchdog, and the
# socket's time-out bounds how long it can block.
import json

from umqtt.simple import MQTTClient

import payloads
from timeout_socket import TimeoutSocket

KEEPALIVE_S = 60
# Each read or write on the broker's socket, and the TCP connect, gives up after
# this: the broker is on the LAN and answers in milliseconds. A call waits at
# most two of them (connect + CONNACK, send + PUBACK), well within the
# watchdog's 8 s.
SOCKET_TIMEOUT_S = 3


class LinkDown(Exception):
    """The session is gone; `error` is what umqtt.simple raised."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def encode(message):
    return json.dumps(message).encode()


class Link:
    def __init__(self, account, name, heartbeat_s, feed):
        self.account = account
        self.device_id = account.device_id
        self.prefix = "hearth/{}/".format(self.device_id)
        self.announcement = encode(payloads.announce(self.device_id, name, heartbeat_s))
        self.feed = feed
        self.client = None
        self.commands = []

    @property
    def connected(self):
        return self.client is not None

    def topic(self, suffix):
        return (self.prefix + suffix).encode()

    def connect(self):
        a = self.account
        client = MQTTClient(self.device_id, a.mqtt_host, port=a.mqtt_port, user=a.mqtt_user, password=a.mqtt_password, keepalive=KEEPALIVE_S)
        client.set_callback(self.received)
        client.set_last_will(self.topic("status"), b"offline", retain=True, qos=1)
        self.client = client  # from here on drop() closes its socket, also when connect() fails half-way
        self.call(client.connect, timeout=SOCKET_TIMEOUT_S)
        client.sock = TimeoutSocket(client.sock, SOCKET_TIMEOUT_S)
        self.publish("announce", self.announcement, retain=True)
        self.publish("status", b"online", retain=True)
        self.call(client.subscribe, self.topic("cmd/+"), qos=1)

    def call(self, method, *args, **kwargs):
        """One call into umqtt.simple; anything it raises drops the session and becomes LinkDown."""
        self.feed()
        try:
            return method(*args, **kwargs)
        except Exception as error:
            self.drop()
            raise LinkDown(error)

    def received(self, topic, msg):
        key = topic.decode()[len(self.prefix) + len("cmd/"):]
        self.commands.append((key, msg))

    def publish(self, suffix, msg, retain=False, qos=1):
        self.call(self.client.publish, self.topic(suffix), msg, retain=retain, qos=qos)

    def send(self, suffix, message):
        self.publish(suffix, encode(message))

    def poll(self):
        self.call(self.client.check_msg)

    def ping(self):
        self.call(self.client.ping)

    def drop(self):
        """Forgets the session after an error; the broker publishes the last will."""
        client, self.client = self.client, None
        if client is None or client.sock is None:
            return
        try:
            client.sock.close()
        except Exception:
            pass  # the socket is broken or closed already: it is gone either way
