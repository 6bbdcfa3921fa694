// A Board for the host: keeps what the device core sends and does, and hands it
// the readings a test sets, as the ESP32's sensors would.
#pragma once

#include <string>
#include <vector>

#include "../src/device.h"

struct Published {
  std::string topic;
  std::string payload;
  bool retain;
};

class RecordingBoard final : public hearth::Board {
 public:
  RecordingBoard() : output(false), savedInterval(0) {}

  bool publish(const char* topic, const char* payload, bool retain) override {
    published.push_back(Published{topic, payload, retain});
    return true;
  }
  void read(hearth::Readings& out) override { out = readings; }
  void setOutput(bool on) override { output = on; }
  void saveInterval(uint32_t seconds) override { savedInterval = seconds; }
  void log(const char* line) override { logs.push_back(line); }

  hearth::Readings readings;
  std::vector<Published> published;
  std::vector<std::string> logs;
  bool output;
  uint32_t savedInterval;
};
