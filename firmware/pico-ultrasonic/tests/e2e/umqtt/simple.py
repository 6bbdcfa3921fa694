# umqtt.simple's MQTTClient over a real CPython socket, for the end-to-end run
# against the hub: the same methods, arguments and failure behaviour (OSError
# when the connection breaks, MQTTException with the CONNACK code on refusal),
# speaking MQTT 3.1.1 as the Pico's client does (QoS 0 and 1, clean session).
import select
import socket
import struct

TIMEOUT_S = 5


class MQTTException(Exception):
    pass


def _text(value):
    data = value.encode() if isinstance(value, str) else bytes(value)
    return struct.pack("!H", len(data)) + data


def _packet(first_byte, body):
    size = len(body)
    header = bytearray([first_byte])
    while True:
        byte = size & 0x7F
        size >>= 7
        header.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(header) + body


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        self.client_id = client_id
        self.server = server
        self.port = port or 1883
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.cb = None
        self.sock = None
        self.pid = 0
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        self.lw_topic, self.lw_msg, self.lw_retain, self.lw_qos = topic, msg, retain, qos

    def connect(self, clean_session=True):
        self.sock = socket.create_connection((self.server, self.port), timeout=TIMEOUT_S)
        flags = 0x02 if clean_session else 0
        payload = _text(self.client_id)
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos << 3) | (0x20 if self.lw_retain else 0)
            payload += _text(self.lw_topic) + _text(self.lw_msg)
        if self.user:
            flags |= 0xC0
            payload += _text(self.user) + _text(self.pswd)
        self._write(_packet(0x10, _text("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive) + payload))
        kind, body = self._read_packet()
        if kind != 0x20 or len(body) != 2:
            raise OSError("expected CONNACK")
        if body[1] != 0:
            raise MQTTException(body[1])
        return body[0] & 1

    def disconnect(self):
        self._write(b"\xe0\0")
        self.sock.close()

    def ping(self):
        self._write(b"\xc0\0")

    def publish(self, topic, msg, retain=False, qos=0):
        body = _text(topic)
        if qos:
            self.pid += 1
            body += struct.pack("!H", self.pid)
        self._write(_packet(0x30 | qos << 1 | (1 if retain else 0), body + bytes(msg)))
        if qos == 1:
            self._wait_for(0x40, self.pid)

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        self.pid += 1
        self._write(_packet(0x82, struct.pack("!H", self.pid) + _text(topic) + bytes([qos])))
        body = self._wait_for(0x90, self.pid)
        if body[2] == 0x80:
            raise MQTTException(0x80)

    def wait_msg(self):
        kind, body = self._read_packet()
        return self._handle(kind, body)

    def check_msg(self):
        readable, _, _ = select.select([self.sock], [], [], 0)
        return self.wait_msg() if readable else None

    def _wait_for(self, kind, pid):
        while True:
            got, body = self._read_packet()
            if got == kind and struct.unpack("!H", body[:2])[0] == pid:
                return body
            self._handle(got, body)

    def _handle(self, kind, body):
        if kind & 0xF0 != 0x30:
            return kind
        (size,) = struct.unpack("!H", body[:2])
        topic = body[2 : 2 + size]
        rest = body[2 + size :]
        qos = (kind >> 1) & 3
        if qos:
            pid, rest = rest[:2], rest[2:]
        self.cb(topic, rest)
        if qos == 1:
            self._write(b"\x40\x02" + pid)
        return kind

    def _write(self, data):
        self.sock.sendall(data)

    def _read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise OSError(-1)  # what umqtt.simple raises when the broker closed the connection
            data += chunk
        return data

    def _read_packet(self):
        kind = self._read_exact(1)[0]
        size, shift = 0, 0
        while True:
            byte = self._read_exact(1)[0]
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        return kind, self._read_exact(size) if size else b""
