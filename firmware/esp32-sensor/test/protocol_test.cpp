#include <cmath>
#include <cstring>

#include "../src/protocol.h"
#include "runner.h"

using namespace hearth;

namespace {

const char ENTITIES_JSON[] =
    "\"entities\":["
    "{\"key\":\"temperature\",\"kind\":\"sensor\",\"name\":\"Temperature\",\"unit\":\"°C\",\"device_class\":\"temperature\",\"state_class\":\"measurement\"},"
    "{\"key\":\"humidity\",\"kind\":\"sensor\",\"name\":\"Humidity\",\"unit\":\"%\",\"device_class\":\"humidity\",\"state_class\":\"measurement\"},"
    "{\"key\":\"accel_x\",\"kind\":\"sensor\",\"name\":\"Acceleration X\",\"unit\":\"m/s²\",\"state_class\":\"measurement\"},"
    "{\"key\":\"accel_y\",\"kind\":\"sensor\",\"name\":\"Acceleration Y\",\"unit\":\"m/s²\",\"state_class\":\"measurement\"},"
    "{\"key\":\"accel_z\",\"kind\":\"sensor\",\"name\":\"Acceleration Z\",\"unit\":\"m/s²\",\"state_class\":\"measurement\"},"
    "{\"key\":\"gyro_x\",\"kind\":\"sensor\",\"name\":\"Gyroscope X\",\"unit\":\"°/s\",\"state_class\":\"measurement\"},"
    "{\"key\":\"gyro_y\",\"kind\":\"sensor\",\"name\":\"Gyroscope Y\",\"unit\":\"°/s\",\"state_class\":\"measurement\"},"
    "{\"key\":\"gyro_z\",\"kind\":\"sensor\",\"name\":\"Gyroscope Z\",\"unit\":\"°/s\",\"state_class\":\"measurement\"},"
    "{\"key\":\"battery\",\"kind\":\"sensor\",\"name\":\"Battery\",\"unit\":\"%\",\"device_class\":\"battery\",\"state_class\":\"measurement\"},"
    "{\"key\":\"rssi\",\"kind\":\"sensor\",\"name\":\"Wi-Fi signal\",\"unit\":\"dBm\",\"device_class\":\"signal_strength\",\"state_class\":\"measurement\"},"
    "{\"key\":\"interval\",\"kind\":\"number\",\"name\":\"Report interval\",\"unit\":\"s\"},"
    "{\"key\":\"output\",\"kind\":\"switch\",\"name\":\"Output\"}"
    "]";

Readings allReadings() {
  Readings r;
  r.ts = 1767225600123ull;  // 2026-01-01T00:00:00.123Z
  r.values[TEMPERATURE] = 21.567f;  // sensors give floats: their binary noise must not reach the JSON
  r.values[HUMIDITY] = 48.25f;
  r.values[ACCEL_X] = 0.123f;
  r.values[ACCEL_Y] = -0.004f;  // rounds to -0, which ArduinoJson prints as 0
  r.values[ACCEL_Z] = 9.80665f;
  r.values[GYRO_X] = 1.26f;
  r.values[GYRO_Y] = -0.04f;
  r.values[GYRO_Z] = 120.0f;
  r.values[BATTERY] = 87;
  r.values[RSSI] = -61;
  return r;
}

}  // namespace

TEST(announce_lists_every_entity_with_units_and_classes) {
  char out[1600];
  const size_t length = buildAnnounce(out, sizeof out, "esp32-lab", "Lab sensor", 30);
  const std::string expected = std::string("{\"id\":\"esp32-lab\",\"name\":\"Lab sensor\",\"model\":\"esp32-sensor\",\"manufacturer\":\"Hearth\",\"sw\":\"") +
                               FIRMWARE_VERSION + "\",\"offline_after\":90," + ENTITIES_JSON + "}";
  CHECK_EQ(out, expected);
  CHECK_EQ(length, expected.size());
}

TEST(announce_without_a_name_leaves_the_hubs_name_alone) {
  char out[1600];
  buildAnnounce(out, sizeof out, "esp32-lab", nullptr, 30);
  CHECK(std::strstr(out, "\"name\":\"Lab") == nullptr);
  CHECK(std::strncmp(out, "{\"id\":\"esp32-lab\",\"model\":\"esp32-sensor\",", 41) == 0);
  buildAnnounce(out, sizeof out, "esp32-lab", "", 30);
  CHECK(std::strncmp(out, "{\"id\":\"esp32-lab\",\"model\":\"esp32-sensor\",", 41) == 0);
}

TEST(offline_after_is_three_reports_and_at_least_a_minute) {
  CHECK_EQ(offlineAfter(30), 90u);
  CHECK_EQ(offlineAfter(5), 60u);
  CHECK_EQ(offlineAfter(20), 60u);
  CHECK_EQ(offlineAfter(3600), 10800u);
  char out[1600];
  buildAnnounce(out, sizeof out, "esp32-lab", nullptr, 600);
  CHECK(std::strstr(out, "\"offline_after\":1800,") != nullptr);
}

TEST(announce_that_does_not_fit_is_not_written) {
  char out[512];
  CHECK_EQ(buildAnnounce(out, sizeof out, "esp32-lab", nullptr, 30), 0u);
  CHECK_EQ(out, "");
}

TEST(telemetry_has_every_reading_rounded_and_the_settings) {
  char out[512];
  const Settings settings = {30, false};
  const size_t length = buildTelemetry(out, sizeof out, allReadings(), settings);
  const std::string expected =
      "{\"ts\":1767225600123,\"temperature\":21.57,\"humidity\":48.3,\"accel_x\":0.12,\"accel_y\":0,\"accel_z\":9.81,"
      "\"gyro_x\":1.3,\"gyro_y\":0,\"gyro_z\":120,\"battery\":87,\"rssi\":-61,\"interval\":30,\"output\":false}";
  CHECK_EQ(out, expected);
  CHECK_EQ(length, expected.size());
}

TEST(telemetry_leaves_out_failed_sensors_and_an_unset_clock) {
  Readings readings = allReadings();
  readings.ts = 0;
  readings.values[HUMIDITY] = NAN;
  readings.values[TEMPERATURE] = NAN;
  for (int axis = ACCEL_X; axis <= GYRO_Z; axis++) readings.values[axis] = NAN;
  readings.values[BATTERY] = INFINITY;
  char out[512];
  const Settings settings = {600, true};
  buildTelemetry(out, sizeof out, readings, settings);
  CHECK_EQ(out, "{\"rssi\":-61,\"interval\":600,\"output\":true}");
}

TEST(telemetry_with_nothing_read_still_reports_the_settings) {
  char out[64];
  const Settings settings = {30, false};
  buildTelemetry(out, sizeof out, Readings(), settings);
  CHECK_EQ(out, "{\"interval\":30,\"output\":false}");
}

TEST(measurement_keys_match_the_announced_entities) {
  CHECK_EQ(measurementKey(TEMPERATURE), "temperature");
  CHECK_EQ(measurementKey(GYRO_Z), "gyro_z");
  CHECK_EQ(measurementKey(RSSI), "rssi");
}

TEST(timestamps_only_once_the_clock_is_set) {
  CHECK_EQ(epochMs(12, 0), 0ull);                      // 12 s after boot: never synced
  CHECK_EQ(epochMs(1609459199, 999999), 0ull);         // just before 2021
  CHECK_EQ(epochMs(1767225600, 123456), 1767225600123ull);
}

TEST(topics_are_under_the_device_id) {
  char out[64];
  CHECK(deviceTopic(out, sizeof out, "esp32-lab", "status"));
  CHECK_EQ(out, "hearth/esp32-lab/status");
  char tiny[16];
  CHECK(!deviceTopic(tiny, sizeof tiny, "esp32-lab", "telemetry"));
}
