#include "protocol.h"

#include <ArduinoJson.h>

#include <cmath>
#include <stdio.h>

#include "json_text.h"

namespace hearth {

namespace {

struct EntitySpec {
  const char* key;
  const char* kind;
  const char* name;
  const char* unit;          // null: none
  const char* deviceClass;   // null: none
  const char* stateClass;    // null: none
  int decimals;              // telemetry rounding: no more digits than the sensor resolves
};

// Indexed by Measurement for the first MEASUREMENT_COUNT rows, then the settings.
const EntitySpec ENTITIES[] = {
    {"temperature", "sensor", "Temperature", "°C", "temperature", "measurement", 2},
    {"humidity", "sensor", "Humidity", "%", "humidity", "measurement", 1},
    {"accel_x", "sensor", "Acceleration X", "m/s²", nullptr, "measurement", 2},
    {"accel_y", "sensor", "Acceleration Y", "m/s²", nullptr, "measurement", 2},
    {"accel_z", "sensor", "Acceleration Z", "m/s²", nullptr, "measurement", 2},
    {"gyro_x", "sensor", "Gyroscope X", "°/s", nullptr, "measurement", 1},
    {"gyro_y", "sensor", "Gyroscope Y", "°/s", nullptr, "measurement", 1},
    {"gyro_z", "sensor", "Gyroscope Z", "°/s", nullptr, "measurement", 1},
    {"battery", "sensor", "Battery", "%", "battery", "measurement", 0},
    {"rssi", "sensor", "Wi-Fi signal", "dBm", "signal_strength", "measurement", 0},
    {INTERVAL_KEY, "number", "Report interval", "s", nullptr, nullptr, 0},
    {OUTPUT_KEY, "switch", "Output", nullptr, nullptr, nullptr, 0},
};
const size_t ENTITY_COUNT = sizeof(ENTITIES) / sizeof(ENTITIES[0]);

const uint32_t MIN_OFFLINE_AFTER_S = 60;
const int64_t CLOCK_SET_AFTER_S = 1609459200;  // 2021-01-01

double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace

Readings::Readings() : ts(0) {
  for (int i = 0; i < MEASUREMENT_COUNT; i++) values[i] = NAN;
}

const char* measurementKey(Measurement measurement) { return ENTITIES[measurement].key; }

uint32_t offlineAfter(uint32_t interval) {
  const uint32_t threeReports = interval * 3;
  return threeReports < MIN_OFFLINE_AFTER_S ? MIN_OFFLINE_AFTER_S : threeReports;
}

uint64_t epochMs(int64_t seconds, int32_t micros) {
  if (seconds < CLOCK_SET_AFTER_S) return 0;
  return static_cast<uint64_t>(seconds) * 1000 + static_cast<uint64_t>(micros / 1000);
}

bool deviceTopic(char* out, size_t size, const char* deviceId, const char* suffix) {
  const int length = snprintf(out, size, "hearth/%s/%s", deviceId, suffix);
  return length > 0 && static_cast<size_t>(length) < size;
}

size_t buildAnnounce(char* out, size_t size, const char* deviceId, const char* name, uint32_t interval) {
  JsonDocument doc;
  doc["id"] = deviceId;
  if (name != nullptr && name[0] != '\0') doc["name"] = name;
  doc["model"] = MODEL;
  doc["manufacturer"] = MANUFACTURER;
  doc["sw"] = FIRMWARE_VERSION;
  doc["offline_after"] = offlineAfter(interval);
  JsonArray entities = doc["entities"].to<JsonArray>();
  for (size_t i = 0; i < ENTITY_COUNT; i++) {
    const EntitySpec& spec = ENTITIES[i];
    JsonObject entity = entities.add<JsonObject>();
    entity["key"] = spec.key;
    entity["kind"] = spec.kind;
    entity["name"] = spec.name;
    if (spec.unit != nullptr) entity["unit"] = spec.unit;
    if (spec.deviceClass != nullptr) entity["device_class"] = spec.deviceClass;
    if (spec.stateClass != nullptr) entity["state_class"] = spec.stateClass;
  }
  return writeJson(doc, out, size);
}

size_t buildTelemetry(char* out, size_t size, const Readings& readings, const Settings& settings) {
  JsonDocument doc;
  if (readings.ts != 0) doc["ts"] = readings.ts;
  for (int i = 0; i < MEASUREMENT_COUNT; i++) {
    // A failed sensor is left out: the hub keeps its last good value instead of a made-up 0.
    if (!std::isfinite(readings.values[i])) continue;
    doc[measurementKey(Measurement(i))] = rounded(readings.values[i], ENTITIES[i].decimals);
  }
  doc[INTERVAL_KEY] = settings.interval;
  doc[OUTPUT_KEY] = settings.output;
  return writeJson(doc, out, size);
}

}  // namespace hearth
