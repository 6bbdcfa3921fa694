# Events waiting for Hearth, oldest first. Bounded so a long outage cannot use
# up the Pico's RAM: when full the oldest event makes room and is counted.


class Outbox:
    def __init__(self, capacity):
        self.capacity = capacity
        self.items = []
        self.dropped = 0

    def __len__(self):
        return len(self.items)

    def push(self, item):
        if len(self.items) >= self.capacity:
            self.items.pop(0)
            self.dropped += 1
        self.items.append(item)

    def peek(self):
        return self.items[0] if self.items else None

    def pop(self):
        return self.items.pop(0)
