// The two settings the hub can command: the report interval and the output pin.
#pragma once

#include <stdint.h>

namespace hearth {

// Entity keys of the settings, shared by the announce, telemetry and commands.
const char* const INTERVAL_KEY = "interval";
const char* const OUTPUT_KEY = "output";

const uint32_t DEFAULT_INTERVAL_S = 30;
const uint32_t MIN_INTERVAL_S = 5;
const uint32_t MAX_INTERVAL_S = 3600;

struct Settings {
  uint32_t interval;  // seconds between reports
  bool output;        // state of the output pin
};

inline bool intervalInRange(uint32_t seconds) { return seconds >= MIN_INTERVAL_S && seconds <= MAX_INTERVAL_S; }

}  // namespace hearth
