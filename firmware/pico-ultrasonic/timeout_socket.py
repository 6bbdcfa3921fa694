# umqtt.simple's socket with a time-out that stays. connect(timeout=...) sets
# one, but umqtt.simple's wait_msg() calls sock.setblocking(True) after its
# first read, and on MicroPython that means "no time-out": from then on a dead
# connection would block a QoS 1 publish (waiting for PUBACK) for minutes,
# until TCP gives up, and the sensor would not be read meanwhile. Wrapped in
# this, setblocking(True) puts the time-out back instead; check_msg()'s
# setblocking(False) passes through. A read or write that times out raises
# OSError (ETIMEDOUT), which ends the session like any other network error.


class TimeoutSocket:
    def __init__(self, sock, timeout_s):
        self.sock = sock
        self.timeout_s = timeout_s
        sock.settimeout(timeout_s)

    def setblocking(self, flag):
        if flag:
            self.sock.settimeout(self.timeout_s)
        else:
            self.sock.setblocking(False)

    # what umqtt.simple does with its socket besides setblocking()
    def read(self, *args):
        return self.sock.read(*args)

    def write(self, *args):
        return self.sock.write(*args)

    def close(self):
        self.sock.close()
