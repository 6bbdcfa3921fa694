// The messages this device sends in the hub's native protocol (docs/protocol.md
// in the Hearth repository): topics, the announce and telemetry.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

namespace hearth {

const char* const MODEL = "esp32-sensor";
const char* const MANUFACTURER = "Hearth";
const char* const FIRMWARE_VERSION = "1.0.0";

// What the device measures, in the order of the announce and of telemetry.
enum Measurement { TEMPERATURE, HUMIDITY, ACCEL_X, ACCEL_Y, ACCEL_Z, GYRO_X, GYRO_Y, GYRO_Z, BATTERY, RSSI, MEASUREMENT_COUNT };

struct Readings {
  Readings();          // no clock, every value missing
  uint64_t ts;         // ms since the epoch, 0 while the clock is not set
  double values[MEASUREMENT_COUNT];  // NaN when the sensor failed: left out of telemetry
};

// The telemetry key (and entity key) of a measurement, e.g. "temperature".
const char* measurementKey(Measurement measurement);

// Seconds without a message after which the hub counts the device offline:
// three missed reports, and never less than a minute.
uint32_t offlineAfter(uint32_t interval);

// ms since the epoch, or 0 while the clock is not set (before 2021: not synced yet).
uint64_t epochMs(int64_t seconds, int32_t micros);

// "hearth/<deviceId>/<suffix>"; false when it does not fit.
bool deviceTopic(char* out, size_t size, const char* deviceId, const char* suffix);

// Each writes the JSON and its NUL into `out` and returns its length, or 0 when
// it does not fit in `size` bytes. `name` may be null or empty: then the
// announce has none and the hub keeps the name the device was added with.
size_t buildAnnounce(char* out, size_t size, const char* deviceId, const char* name, uint32_t interval);
size_t buildTelemetry(char* out, size_t size, const Readings& readings, const Settings& settings);

}  // namespace hearth
