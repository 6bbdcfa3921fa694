# umqtt.simple's MQTTClient over a real CPython socket, for the end-to-end run
# against the hub: the same methods, arguments and failure behaviour (OSError
# when the connection breaks or times out, MQTTException with the CONNACK code
# on refusal), speaking MQTT 3.1.1 as the Pico's client does (QoS 0 and 1,
# clean session), and using its socket as umqtt.simple does: read() and
# write() on `self.sock`, connect(timeout=...) sets the time-out, check_msg()
# makes it non-blocking and wait_msg() blocking again.
import socket
import struct

import umqtt_base
from umqtt_base import MQTTException


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


class MQTTClient(umqtt_base.MQTTClient):
    def connect(self, clean_session=True, timeout=None):
        self._open(_Stream(socket.socket()), timeout)
        self.sock.connect(socket.getaddrinfo(self.server, self.port)[0][-1])
        flags = 0x02 if clean_session else 0
        payload = _text(self.client_id)
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos << 3) | (0x20 if self.lw_retain else 0)
            payload += _text(self.lw_topic) + _text(self.lw_msg)
        if self.user:
            flags |= 0xC0
            payload += _text(self.user) + _text(self.pswd)
        self.sock.write(_packet(0x10, _text("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive) + payload))
        resp = self._read_exact(4)
        if resp[0] != 0x20 or resp[1] != 2:
            raise OSError("expected CONNACK")
        if resp[3] != 0:
            raise MQTTException(resp[3])
        return resp[2] & 1

    def disconnect(self):
        self.sock.write(b"\xe0\0")
        self.sock.close()

    def ping(self):
        self.sock.write(b"\xc0\0")

    def publish(self, topic, msg, retain=False, qos=0):
        body = _text(topic)
        if qos:
            self.pid += 1
            body += struct.pack("!H", self.pid)
        self.sock.write(_packet(0x30 | qos << 1 | (1 if retain else 0), body + bytes(msg)))
        if qos == 1:
            self._wait_for(0x40, self.pid)

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        self.pid += 1
        self.sock.write(_packet(0x82, struct.pack("!H", self.pid) + _text(topic) + bytes([qos])))
        body = self._wait_for(0x90, self.pid)
        if body[2] == 0x80:
            raise MQTTException(0x80)

    def wait_msg(self):
        packet = self._read_packet()
        return None if packet is None else self._handle(*packet)

    def check_msg(self):
        self.sock.setblocking(False)
        return self.wait_msg()

    def _wait_for(self, kind, pid):
        while True:
            got, body = self._read_packet()  # blocking: never None
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
            self.sock.write(b"\x40\x02" + pid)
        return kind

    def _read_exact(self, n):
        data = self.sock.read(n)
        if not data or len(data) < n:
            raise OSError(-1)  # what umqtt.simple raises when the broker closed the connection
        return data

    def _read_packet(self):
        """(type, body), or None when the socket is non-blocking and nothing came; as wait_msg() does, the
        socket is blocking again after the first byte."""
        first = self.sock.read(1)
        self.sock.setblocking(True)
        if first is None:
            return None
        if not first:
            raise OSError(-1)
        size, shift = 0, 0
        while True:
            byte = self._read_exact(1)[0]
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        return first[0], self._read_exact(size) if size else b""


class _Stream:
    """A CPython socket with the stream methods a MicroPython one has, and umqtt.simple uses."""

    def __init__(self, sock):
        self.sock = sock

    def connect(self, address):
        self.sock.connect(address)

    def settimeout(self, value):
        self.sock.settimeout(value)

    def setblocking(self, flag):
        self.sock.setblocking(flag)

    def read(self, n):
        """n bytes, fewer at the end of the stream; None when non-blocking and nothing is there yet."""
        data = b""
        while len(data) < n:
            try:
                chunk = self.sock.recv(n - len(data))
            except BlockingIOError:
                return data or None
            if not chunk:
                break
            data += chunk
        return data

    def write(self, buf, n=None):
        self.sock.sendall(bytes(buf if n is None else buf[:n]))

    def close(self):
        self.sock.close()
