# The Pico W's network module for host tests: WLAN(STA_IF) with the CYW43
# status codes. `air` is the radio environment a test scripts: which network
# exists, how many isconnected() polls a connection takes, whether the access
# point answers, the signal strength; air.drop() cuts every connection.
STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_CONNECT_FAIL = -1
STAT_NO_AP_FOUND = -2
STAT_WRONG_PASSWORD = -3
STAT_GOT_IP = 3


class Air:
    def reset(self):
        self.ssid = None  # None: whatever network the device asks for exists
        self.password = None
        self.in_range = True
        self.polls_to_connect = 2
        self.rssi = -61
        self.connects = []
        self.radios = []

    def drop(self):
        for radio in self.radios:
            radio._status = STAT_IDLE


air = Air()


def reset():
    air.reset()


class WLAN:
    def __init__(self, interface):
        assert interface == STA_IF
        self._active = False
        self._status = STAT_IDLE
        self._polls = 0
        air.radios.append(self)

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid, key=None):
        if not self._active:
            raise OSError("WLAN not active")
        air.connects.append((ssid, key))
        if not air.in_range or (air.ssid is not None and ssid != air.ssid):
            self._status = STAT_NO_AP_FOUND
        elif air.password is not None and key != air.password:
            self._status = STAT_WRONG_PASSWORD
        else:
            self._status = STAT_CONNECTING
            self._polls = air.polls_to_connect

    def isconnected(self):
        if self._status == STAT_CONNECTING:
            if self._polls <= 0:
                self._status = STAT_GOT_IP
            self._polls -= 1
        return self._status == STAT_GOT_IP

    def status(self, param=None):
        if param == "rssi":
            if self._status != STAT_GOT_IP:
                raise OSError("not connected")
            return air.rssi
        if param is not None:
            raise ValueError("unknown status param")
        return self._status

    def disconnect(self):
        self._status = STAT_IDLE

    def ifconfig(self):
        return ("192.0.2.10", "255.255.255.0", "192.0.2.1", "192.0.2.1")


reset()
