#include <cstring>
#include <string>

#include "../src/device.h"
#include "recording_board.h"
#include "runner.h"

using namespace hearth;

namespace {

const Settings DEFAULTS = {30, false};

void deliver(Device& device, const char* topic, const std::string& payload, uint32_t nowMs) {
  device.message(topic, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), nowMs);
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(device_topics_are_its_own) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  CHECK_EQ(device.statusTopic(), "hearth/esp32-lab/status");
  CHECK_EQ(device.commandTopic(), "hearth/esp32-lab/cmd/+");
}

TEST(a_new_session_announces_says_online_and_reports) {
  RecordingBoard board;
  board.readings.values[TEMPERATURE] = 21.5;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  device.connected(1000);
  CHECK_EQ(board.published.size(), 3u);
  CHECK_EQ(board.published[0].topic, "hearth/esp32-lab/announce");
  CHECK(board.published[0].retain);
  CHECK(contains(board.published[0].payload, "\"offline_after\":90,"));
  CHECK_EQ(board.published[1].topic, "hearth/esp32-lab/status");
  CHECK_EQ(board.published[1].payload, "online");
  CHECK(board.published[1].retain);
  CHECK_EQ(board.published[2].topic, "hearth/esp32-lab/telemetry");
  CHECK_EQ(board.published[2].payload, "{\"temperature\":21.5,\"interval\":30,\"output\":false}");
  CHECK(!board.published[2].retain);
}

TEST(reports_come_every_interval) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  device.connected(1000);
  board.published.clear();
  device.loop(30999);
  CHECK_EQ(board.published.size(), 0u);
  device.loop(31000);
  CHECK_EQ(board.published.size(), 1u);
  device.loop(60999);
  CHECK_EQ(board.published.size(), 1u);
  device.loop(61000);
  CHECK_EQ(board.published.size(), 2u);
}

TEST(reports_keep_their_pace_when_millis_wraps) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  device.connected(4294967000u);
  board.published.clear();
  device.loop(29000);  // 29.3 s later, past the wrap
  CHECK_EQ(board.published.size(), 0u);
  device.loop(29704);
  CHECK_EQ(board.published.size(), 1u);
}

TEST(output_command_sets_the_pin_acks_and_reports) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  device.connected(0);
  board.published.clear();
  deliver(device, "hearth/esp32-lab/cmd/output", "{\"id\":\"c1\",\"value\":true}", 5000);
  CHECK(board.output);
  CHECK_EQ(board.published.size(), 2u);
  CHECK_EQ(board.published[0].topic, "hearth/esp32-lab/cmd/output/ack");
  CHECK_EQ(board.published[0].payload, "{\"id\":\"c1\",\"ok\":true,\"value\":true}");
  CHECK(!board.published[0].retain);
  CHECK_EQ(board.published[1].topic, "hearth/esp32-lab/telemetry");
  CHECK(contains(board.published[1].payload, "\"output\":true"));
  CHECK_EQ(board.logs.size(), 0u);
}

TEST(interval_command_persists_reannounces_and_sets_the_pace) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  device.connected(0);
  board.published.clear();
  deliver(device, "hearth/esp32-lab/cmd/interval", "{\"id\":\"c2\",\"value\":600}", 5000);
  CHECK_EQ(board.savedInterval, 600u);
  CHECK_EQ(device.settings().interval, 600u);
  CHECK_EQ(board.published.size(), 3u);
  CHECK_EQ(board.published[0].payload, "{\"id\":\"c2\",\"ok\":true,\"value\":600}");
  CHECK_EQ(board.published[1].topic, "hearth/esp32-lab/announce");
  CHECK(contains(board.published[1].payload, "\"offline_after\":1800,"));
  CHECK(contains(board.published[2].payload, "\"interval\":600,"));
  device.loop(5000 + 599999);
  CHECK_EQ(board.published.size(), 3u);
  device.loop(5000 + 600000);
  CHECK_EQ(board.published.size(), 4u);
}

TEST(refused_command_is_acked_logged_and_changes_nothing) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  deliver(device, "hearth/esp32-lab/cmd/interval", "{\"id\":\"c3\",\"value\":2}", 0);
  CHECK_EQ(board.published.size(), 1u);
  CHECK_EQ(board.published[0].payload, "{\"id\":\"c3\",\"ok\":false,\"error\":\"interval must be 5-3600 s, got 2\"}");
  CHECK_EQ(board.savedInterval, 0u);
  CHECK_EQ(board.logs.size(), 1u);
  CHECK_EQ(board.logs[0], "cmd/interval refused: interval must be 5-3600 s, got 2");
}

TEST(unanswerable_command_is_only_logged) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  deliver(device, "hearth/esp32-lab/cmd/output", "{\"value\":true", 0);
  CHECK_EQ(board.published.size(), 0u);
  CHECK(!board.output);
  CHECK_EQ(board.logs.size(), 1u);
  CHECK(contains(board.logs[0], "IncompleteInput"));
}

TEST(messages_on_other_topics_are_ignored) {
  RecordingBoard board;
  Device device(board, "esp32-lab", nullptr, DEFAULTS);
  deliver(device, "hearth/other/cmd/output", "{\"id\":\"x\",\"value\":true}", 0);
  CHECK_EQ(board.published.size(), 0u);
  CHECK(!board.output);
  CHECK_EQ(board.logs[0], "ignored a message on hearth/other/cmd/output: not a command topic of this device");
}
