# The MQTT session with Hearth over umqtt.simple. Every (re)connection sets the
# last will (retained "offline" on the status topic), then announces, says
# "online" and subscribes to commands. Any socket error drops the session;
# the app reconnects with backoff. Commands are only collected in the
# callback and answered from the main loop: publishing from inside umqtt's
# callback would nest wait_msg() calls.
import json

from umqtt.simple import MQTTClient, MQTTException

import payloads

KEEPALIVE_S = 60
# What a failing network or broker raises through umqtt.simple (it checks the
# broker's answers with assert).
ERRORS = (OSError, MQTTException, AssertionError)


def encode(message):
    return json.dumps(message).encode()


class Link:
    def __init__(self, account, name, heartbeat_s):
        self.account = account
        self.device_id = account.device_id
        self.prefix = "hearth/{}/".format(self.device_id)
        self.announcement = encode(payloads.announce(self.device_id, name, heartbeat_s))
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
        client.connect()
        self.client = client
        try:
            self.publish("announce", self.announcement, retain=True)
            self.publish("status", b"online", retain=True)
            client.subscribe(self.topic("cmd/+"), qos=1)
        except ERRORS:
            self.drop()
            raise

    def received(self, topic, msg):
        key = topic.decode()[len(self.prefix) + len("cmd/"):]
        self.commands.append((key, msg))

    def publish(self, suffix, msg, retain=False, qos=1):
        self.client.publish(self.topic(suffix), msg, retain=retain, qos=qos)

    def send(self, suffix, message):
        self.publish(suffix, encode(message))

    def poll(self):
        self.client.check_msg()

    def ping(self):
        self.client.ping()

    def drop(self):
        """Forgets the session after an error; the broker publishes the last will."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.sock.close()
        except (OSError, AttributeError):
            pass
