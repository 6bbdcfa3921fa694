#include "device.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"

namespace hearth {

Device::Device(Board& board, const char* id, const char* name, Settings settings)
    : board_(board), id_(id), name_(name), settings_(settings), lastReportMs_(0) {
  deviceTopic(statusTopic_, sizeof statusTopic_, id, "status");
  deviceTopic(commandTopic_, sizeof commandTopic_, id, "cmd/+");
  deviceTopic(announceTopic_, sizeof announceTopic_, id, "announce");
  deviceTopic(telemetryTopic_, sizeof telemetryTopic_, id, "telemetry");
}

void Device::connected(uint32_t nowMs) {
  announce();
  send(statusTopic_, "online", true);
  report(nowMs);
}

void Device::loop(uint32_t nowMs) {
  if (nowMs - lastReportMs_ >= settings_.interval * 1000UL) report(nowMs);
}

void Device::message(const char* topic, const uint8_t* payload, size_t length, uint32_t nowMs) {
  const char* key = commandKey(topic, id_);
  char ackTopic[160];
  char log[224];
  // The topic is built before anything is sent: PubSubClient hands over `topic`
  // and `payload` in its own buffer, which the first publish overwrites.
  if (key == nullptr || strlen(key) > 64 || snprintf(ackTopic, sizeof ackTopic, "%s/ack", topic) >= int(sizeof ackTopic)) {
    snprintf(log, sizeof log, "ignored a message on %.100s: not a command topic of this device", topic);
    board_.log(log);
    return;
  }
  const CommandResult result = handleCommand(key, payload, length, settings_);
  if (result.problem[0] != '\0') board_.log(result.problem);
  if (result.effect == OUTPUT_SET) board_.setOutput(settings_.output);
  if (result.effect == INTERVAL_SET) board_.saveInterval(settings_.interval);
  if (result.answered) send(ackTopic, result.ack, false);
  // offline_after follows the interval: re-announce, or a longer interval would read as offline.
  if (result.effect == INTERVAL_SET) announce();
  // The hub takes the ack's value as the state already; telemetry confirms it with fresh readings.
  if (result.effect != NO_EFFECT) report(nowMs);
}

void Device::announce() {
  if (buildAnnounce(json_, sizeof json_, id_, name_, settings_.interval) == 0) {
    board_.log("announce does not fit its buffer: not sent");
    return;
  }
  send(announceTopic_, json_, true);
}

void Device::report(uint32_t nowMs) {
  lastReportMs_ = nowMs;
  Readings readings;
  board_.read(readings);
  if (buildTelemetry(json_, sizeof json_, readings, settings_) == 0) {
    board_.log("telemetry does not fit its buffer: not sent");
    return;
  }
  send(telemetryTopic_, json_, false);
}

void Device::send(const char* topic, const char* payload, bool retain) {
  if (board_.publish(topic, payload, retain)) return;
  char log[160];
  snprintf(log, sizeof log, "could not publish on %.100s", topic);
  board_.log(log);
}

}  // namespace hearth
