// Delays between reconnection attempts: doubling from `first` up to `max`,
// back to `first` once a connection succeeds, so a hub or access point that is
// down for long is not hammered, and a short outage is over quickly.
#pragma once

#include <stdint.h>

namespace hearth {

class Backoff {
 public:
  Backoff(uint32_t firstMs, uint32_t maxMs) : first_(firstMs), max_(maxMs), next_(firstMs) {}

  // The delay before the next attempt; each call doubles the one after.
  uint32_t next() {
    const uint32_t delay = next_;
    next_ = next_ > max_ / 2 ? max_ : next_ * 2;
    return delay;
  }

  void reset() { next_ = first_; }

 private:
  uint32_t first_;
  uint32_t max_;
  uint32_t next_;
};

}  // namespace hearth
