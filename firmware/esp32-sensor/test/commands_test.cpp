#include <cstring>
#include <string>

#include "../src/commands.h"
#include "runner.h"

using namespace hearth;

namespace {

Settings defaults() {
  Settings settings = {30, false};
  return settings;
}

CommandResult run(const char* key, const std::string& payload, Settings& settings) {
  return handleCommand(key, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), settings);
}

}  // namespace

TEST(command_key_comes_from_this_devices_command_topic) {
  CHECK_EQ(commandKey("hearth/esp32-lab/cmd/output", "esp32-lab"), "output");
  CHECK(commandKey("hearth/esp32-lab/cmd/output/ack", "esp32-lab") == nullptr);
  CHECK(commandKey("hearth/esp32-lab/cmd/", "esp32-lab") == nullptr);
  CHECK(commandKey("hearth/esp32-lab2/cmd/output", "esp32-lab") == nullptr);
  CHECK(commandKey("hearth/esp32/cmd/output", "esp32-lab") == nullptr);
  CHECK(commandKey("hearth/esp32-lab/telemetry", "esp32-lab") == nullptr);
}

TEST(interval_is_applied_and_acked_with_the_value_in_effect) {
  Settings settings = defaults();
  const CommandResult result = run("interval", "{\"id\":\"c1\",\"value\":60}", settings);
  CHECK_EQ(result.effect, INTERVAL_SET);
  CHECK(result.answered);
  CHECK_EQ(result.ack, "{\"id\":\"c1\",\"ok\":true,\"value\":60}");
  CHECK_EQ(result.problem, "");
  CHECK_EQ(settings.interval, 60u);
}

TEST(interval_takes_the_range_edges_and_whole_doubles) {
  Settings settings = defaults();
  CHECK_EQ(run("interval", "{\"id\":\"a\",\"value\":5}", settings).ack, "{\"id\":\"a\",\"ok\":true,\"value\":5}");
  CHECK_EQ(run("interval", "{\"id\":\"b\",\"value\":3600}", settings).ack, "{\"id\":\"b\",\"ok\":true,\"value\":3600}");
  CHECK_EQ(run("interval", "{\"id\":\"c\",\"value\":120.0}", settings).ack, "{\"id\":\"c\",\"ok\":true,\"value\":120}");
  CHECK_EQ(settings.interval, 120u);
}

TEST(interval_out_of_range_is_refused_and_changes_nothing) {
  Settings settings = defaults();
  CommandResult result = run("interval", "{\"id\":\"c2\",\"value\":99999}", settings);
  CHECK_EQ(result.effect, NO_EFFECT);
  CHECK_EQ(result.ack, "{\"id\":\"c2\",\"ok\":false,\"error\":\"interval must be 5-3600 s, got 99999\"}");
  CHECK_EQ(result.problem, "cmd/interval refused: interval must be 5-3600 s, got 99999");
  result = run("interval", "{\"id\":\"c3\",\"value\":4}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"c3\",\"ok\":false,\"error\":\"interval must be 5-3600 s, got 4\"}");
  result = run("interval", "{\"id\":\"c4\",\"value\":-30}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"c4\",\"ok\":false,\"error\":\"interval must be 5-3600 s, got -30\"}");
  CHECK_EQ(settings.interval, 30u);
}

TEST(interval_of_the_wrong_type_is_refused_with_what_came) {
  Settings settings = defaults();
  CHECK_EQ(run("interval", "{\"id\":\"t1\",\"value\":\"60\"}", settings).ack,
           "{\"id\":\"t1\",\"ok\":false,\"error\":\"interval takes a whole number of seconds (5-3600), got \\\"60\\\"\"}");
  CHECK_EQ(run("interval", "{\"id\":\"t2\",\"value\":30.5}", settings).ack,
           "{\"id\":\"t2\",\"ok\":false,\"error\":\"interval takes a whole number of seconds (5-3600), got 30.5\"}");
  CHECK_EQ(run("interval", "{\"id\":\"t3\",\"value\":true}", settings).ack,
           "{\"id\":\"t3\",\"ok\":false,\"error\":\"interval takes a whole number of seconds (5-3600), got true\"}");
  CHECK_EQ(run("interval", "{\"id\":\"t4\"}", settings).ack,
           "{\"id\":\"t4\",\"ok\":false,\"error\":\"interval takes a whole number of seconds (5-3600), got null\"}");
  CHECK_EQ(settings.interval, 30u);
}

TEST(a_long_refused_value_is_shortened_in_the_error) {
  Settings settings = defaults();
  const CommandResult result = run("interval", "{\"id\":\"t5\",\"value\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"t5\",\"ok\":false,\"error\":\"interval takes a whole number of seconds (5-3600), got [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,...\"}");
}

TEST(output_takes_booleans_and_on_off) {
  Settings settings = defaults();
  CommandResult result = run("output", "{\"id\":\"o1\",\"value\":true}", settings);
  CHECK_EQ(result.effect, OUTPUT_SET);
  CHECK_EQ(result.ack, "{\"id\":\"o1\",\"ok\":true,\"value\":true}");
  CHECK(settings.output);
  result = run("output", "{\"id\":\"o2\",\"value\":\"off\"}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"o2\",\"ok\":true,\"value\":false}");
  CHECK(!settings.output);
  result = run("output", "{\"id\":\"o3\",\"value\":\"on\"}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"o3\",\"ok\":true,\"value\":true}");
  result = run("output", "{\"id\":\"o4\",\"value\":false}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"o4\",\"ok\":true,\"value\":false}");
  CHECK_EQ(settings.interval, 30u);
}

TEST(output_refuses_anything_else) {
  Settings settings = defaults();
  settings.output = true;
  CHECK_EQ(run("output", "{\"id\":\"o5\",\"value\":\"maybe\"}", settings).ack,
           "{\"id\":\"o5\",\"ok\":false,\"error\":\"output takes true/false or \\\"on\\\"/\\\"off\\\", got \\\"maybe\\\"\"}");
  CHECK_EQ(run("output", "{\"id\":\"o6\",\"value\":1}", settings).ack,
           "{\"id\":\"o6\",\"ok\":false,\"error\":\"output takes true/false or \\\"on\\\"/\\\"off\\\", got 1\"}");
  CHECK_EQ(run("output", "{\"id\":\"o7\",\"value\":\"ON\"}", settings).effect, NO_EFFECT);
  CHECK_EQ(run("output", "{\"id\":\"o8\"}", settings).effect, NO_EFFECT);
  CHECK(settings.output);
}

TEST(unknown_command_is_refused_by_name) {
  Settings settings = defaults();
  const CommandResult result = run("reboot", "{\"id\":\"u1\",\"value\":null}", settings);
  CHECK_EQ(result.effect, NO_EFFECT);
  CHECK(result.answered);
  CHECK_EQ(result.ack, "{\"id\":\"u1\",\"ok\":false,\"error\":\"unknown command \\\"reboot\\\" (commands: interval, output)\"}");
}

TEST(malformed_json_gets_no_ack_and_a_logged_reason) {
  Settings settings = defaults();
  CommandResult result = run("output", "{\"id\":\"m1\",\"value\":tr", settings);
  CHECK(!result.answered);
  CHECK_EQ(result.effect, NO_EFFECT);
  CHECK_EQ(result.problem, "cmd/output: payload is not JSON (IncompleteInput), so there is no id to answer to");
  result = run("output", "{\"id\":\"m2\",\"value\":yes}", settings);
  CHECK(!result.answered);
  CHECK_EQ(result.problem, "cmd/output: payload is not JSON (InvalidInput), so there is no id to answer to");
  result = run("output", "", settings);
  CHECK_EQ(result.problem, "cmd/output: payload is not JSON (EmptyInput), so there is no id to answer to");
  CHECK(!settings.output);
}

TEST(a_command_without_a_usable_id_gets_no_ack) {
  Settings settings = defaults();
  const char* const payloads[] = {
      "{\"value\":true}",
      "{\"id\":42,\"value\":true}",
      "{\"id\":\"\",\"value\":true}",
      "[\"id\",true]",
      "true",
      "{\"id\":\"12345678901234567890123456789012345678901234567890123456789012345\",\"value\":true}",
  };
  for (const char* payload : payloads) {
    const CommandResult result = run("output", payload, settings);
    CHECK(!result.answered);
    CHECK_EQ(result.problem, "cmd/output: no \"id\" (text of 1-64 characters) to answer to");
  }
  CHECK(!settings.output);
}

TEST(the_id_is_echoed_as_valid_json) {
  Settings settings = defaults();
  const CommandResult result = run("output", "{\"id\":\"a\\\"b\\\\c\",\"value\":true}", settings);
  CHECK_EQ(result.ack, "{\"id\":\"a\\\"b\\\\c\",\"ok\":true,\"value\":true}");
}
