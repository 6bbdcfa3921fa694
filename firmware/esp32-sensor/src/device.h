// The device's side of the protocol, apart from the hardware: what to send when
// the MQTT session starts, when a report is due and when a command comes in.
// main.cpp gives it the ESP32 (PubSubClient, sensors, pin, NVS) through Board;
// the host tests give it a fake one.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "settings.h"

namespace hearth {

class Board {
 public:
  virtual bool publish(const char* topic, const char* payload, bool retain) = 0;
  virtual void read(Readings& readings) = 0;
  virtual void setOutput(bool on) = 0;
  virtual void saveInterval(uint32_t seconds) = 0;
  virtual void log(const char* line) = 0;

 protected:
  ~Board() {}
};

class Device {
 public:
  // `id` and `name` must outlive the device (they are secrets.h constants).
  Device(Board& board, const char* id, const char* name, Settings settings);

  const char* statusTopic() const { return statusTopic_; }    // retained online/offline, and the last will
  const char* commandTopic() const { return commandTopic_; }  // hearth/<id>/cmd/+, to subscribe to

  // A new MQTT session: announce, say online, report at once.
  void connected(uint32_t nowMs);
  // A report when the interval has passed since the last one.
  void loop(uint32_t nowMs);
  // A message on the command topic: applies it, acks, reports the new value.
  void message(const char* topic, const uint8_t* payload, size_t length, uint32_t nowMs);

  const Settings& settings() const { return settings_; }

 private:
  void announce();
  void report(uint32_t nowMs);
  void send(const char* topic, const char* payload, bool retain);

  Board& board_;
  const char* id_;
  const char* name_;
  Settings settings_;
  uint32_t lastReportMs_;
  char statusTopic_[96];
  char commandTopic_[96];
  char announceTopic_[96];
  char telemetryTopic_[96];
  char json_[1600];  // the announce is the longest message
};

}  // namespace hearth
