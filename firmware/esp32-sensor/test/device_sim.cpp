// The firmware's device core on the host, for the hub round trip in
// test/firmware/esp32-sensor.test.ts. Built with the secrets.h that
// `hearth device add --kind esp32` makes, as the firmware is.
//
// Arguments: the readings, as key=value with telemetry keys (temperature=21.5),
// battery_mv (millivolts at the ADC pin) and ts (ms since the epoch); a sensor
// not given counts as failed.
// stdin: MQTT messages for the device, one a line: "<topic> <payload>".
// stdout: what it publishes, one a line: "<topic> <retain 0|1> <payload>",
// first for the new MQTT session, then after each message.
// stderr: what the firmware logs on Serial.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "../src/battery.h"
#include "../src/config.h"
#include "../src/device.h"
#include "recording_board.h"
#include "secrets.h"

#ifndef DEVICE_NAME
#define DEVICE_NAME nullptr
#endif

namespace {

bool setReading(hearth::Readings& readings, const std::string& key, double value) {
  if (key == "ts") {
    readings.ts = static_cast<uint64_t>(value);
    return true;
  }
  if (key == "battery_mv") {
    readings.values[hearth::BATTERY] = hearth::batteryPercent(hearth::batteryVoltage(static_cast<uint32_t>(value), BATTERY_DIVIDER));
    return true;
  }
  for (int i = 0; i < hearth::MEASUREMENT_COUNT; i++) {
    if (key == hearth::measurementKey(hearth::Measurement(i))) {
      readings.values[i] = value;
      return true;
    }
  }
  return false;
}

void flush(RecordingBoard& board) {
  for (const Published& message : board.published) {
    std::printf("%s %d %s\n", message.topic.c_str(), message.retain ? 1 : 0, message.payload.c_str());
  }
  for (const std::string& line : board.logs) std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stdout);
  board.published.clear();
  board.logs.clear();
}

}  // namespace

int main(int argc, char** argv) {
  RecordingBoard board;
  for (int i = 1; i < argc; i++) {
    const char* equals = std::strchr(argv[i], '=');
    char* end = nullptr;
    const double value = equals == nullptr ? 0 : std::strtod(equals + 1, &end);
    if (equals == nullptr || end == equals + 1 || *end != '\0' || !setReading(board.readings, std::string(argv[i], equals - argv[i]), value)) {
      std::fprintf(stderr, "argument %d (%s): expected <reading>=<number>, e.g. temperature=21.5, battery_mv=1935 or ts=1767225600000\n", i, argv[i]);
      return 2;
    }
  }

  const hearth::Settings defaults = {hearth::DEFAULT_INTERVAL_S, false};
  hearth::Device device(board, DEVICE_ID, DEVICE_NAME, defaults);
  device.connected(0);
  flush(board);
  std::string line;
  while (std::getline(std::cin, line)) {
    const size_t space = line.find(' ');
    const std::string topic = line.substr(0, space);
    const std::string payload = space == std::string::npos ? std::string() : line.substr(space + 1);
    device.message(topic.c_str(), reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), 0);
    flush(board);
  }
  return 0;
}
