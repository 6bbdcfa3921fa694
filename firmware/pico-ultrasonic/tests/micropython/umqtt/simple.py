# umqtt.simple's MQTTClient for the firmware on MicroPython-wasm, which has no
# sockets: every call goes through `mqtt_bridge`, a module registered from JS
# (../device-worker.ts), to a real MQTT client (mqtt.js, in the test) connected
# to the hub. Calls block until the broker has answered, as umqtt.simple's do
# on its socket: connect returns after CONNACK, a QoS 1 publish after PUBACK,
# subscribe after SUBACK, each within the socket's time-out if it has one
# (set by connect(timeout=...), gone after wait_msg's setblocking(True), as on
# the Pico). Failures look like umqtt.simple's: OSError when the connection
# fails, breaks or times out, MQTTException(CONNACK code) when the broker
# refuses the login. Topics and payloads cross as UTF-8 text: the device
# protocol has no binary payloads.
import json

import mqtt_bridge
import umqtt_base
from umqtt_base import MQTTException


def _call(op, **args):
    answer = json.loads(mqtt_bridge.call(op, json.dumps(args)))
    if "mqtt_error" in answer:
        raise MQTTException(answer["mqtt_error"])
    if "os_error" in answer:
        raise OSError(answer["os_error"])
    return answer.get("result")


class _Socket(umqtt_base.TimeoutState):
    def close(self):
        # gone without DISCONNECT: the broker publishes the last will
        _call("close")


class MQTTClient(umqtt_base.MQTTClient):
    def connect(self, clean_session=True, timeout=None):
        self._open(_Socket(), timeout)
        will = None
        if self.lw_topic:
            will = {"topic": self.lw_topic.decode(), "msg": self.lw_msg.decode(), "retain": self.lw_retain, "qos": self.lw_qos}
        present = _call(
            "connect",
            client_id=self.client_id,
            server=self.server,
            port=self.port,
            user=self.user,
            password=self.pswd,
            keepalive=self.keepalive,
            clean_session=clean_session,
            will=will,
            timeout_s=timeout,
        )
        return present

    def disconnect(self):
        _call("disconnect")

    def ping(self):
        _call("ping")

    def publish(self, topic, msg, retain=False, qos=0):
        _call("publish", topic=topic.decode(), msg=msg.decode(), retain=retain, qos=qos, timeout_s=self.socket.timeout)
        if qos == 1:
            self.sock.setblocking(True)  # wait_msg() did, reading the PUBACK

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        _call("subscribe", topic=topic.decode(), qos=qos, timeout_s=self.socket.timeout)
        self.sock.setblocking(True)

    def check_msg(self):
        self.sock.setblocking(False)
        message = _call("check_msg")
        self.sock.setblocking(True)
        if message is None:
            return None
        topic, msg = message
        self.cb(topic.encode(), msg.encode())
        return 0x30
