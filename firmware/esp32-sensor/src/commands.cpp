#include "commands.h"

#include <ArduinoJson.h>

#include <cmath>
#include <stdio.h>
#include <string.h>

#include "json_text.h"

namespace hearth {

namespace {

const size_t MAX_ID_LENGTH = 64;
const size_t MAX_GOT_LENGTH = 40;

// The refused value as JSON for an error message, shortened so the ack stays small.
void describe(JsonVariant value, char* out, size_t size) {
  char json[MAX_GOT_LENGTH + 1];
  const size_t full = measureJson(value);
  serializeJson(value, json, sizeof json);
  snprintf(out, size, full > MAX_GOT_LENGTH ? "%s..." : "%s", json);
}

// Each checks a command's value and applies it to `settings`, or says in `error` why not.
bool applyInterval(JsonVariant value, Settings& settings, char* error, size_t size) {
  char got[MAX_GOT_LENGTH + 4];
  describe(value, got, sizeof got);
  if (!value.is<double>() || std::floor(value.as<double>()) != value.as<double>()) {
    snprintf(error, size, "interval takes a whole number of seconds (%u-%u), got %s", unsigned(MIN_INTERVAL_S), unsigned(MAX_INTERVAL_S), got);
    return false;
  }
  const double seconds = value.as<double>();
  if (seconds < MIN_INTERVAL_S || seconds > MAX_INTERVAL_S) {
    snprintf(error, size, "interval must be %u-%u s, got %s", unsigned(MIN_INTERVAL_S), unsigned(MAX_INTERVAL_S), got);
    return false;
  }
  settings.interval = static_cast<uint32_t>(seconds);
  return true;
}

bool applyOutput(JsonVariant value, Settings& settings, char* error, size_t size) {
  const char* word = value | "";
  if (value.is<bool>()) {
    settings.output = value.as<bool>();
  } else if (strcmp(word, "on") == 0 || strcmp(word, "off") == 0) {
    settings.output = strcmp(word, "on") == 0;
  } else {
    char got[MAX_GOT_LENGTH + 4];
    describe(value, got, sizeof got);
    snprintf(error, size, "output takes true/false or \"on\"/\"off\", got %s", got);
    return false;
  }
  return true;
}

}  // namespace

const char* commandKey(const char* topic, const char* deviceId) {
  const size_t idLength = strlen(deviceId);
  if (strncmp(topic, "hearth/", 7) != 0 || strncmp(topic + 7, deviceId, idLength) != 0) return nullptr;
  const char* rest = topic + 7 + idLength;
  if (strncmp(rest, "/cmd/", 5) != 0) return nullptr;
  const char* key = rest + 5;
  return key[0] == '\0' || strchr(key, '/') != nullptr ? nullptr : key;
}

CommandResult handleCommand(const char* key, const uint8_t* payload, size_t length, Settings& settings) {
  CommandResult result;
  result.effect = NO_EFFECT;
  result.answered = false;
  result.ack[0] = '\0';
  result.problem[0] = '\0';

  JsonDocument request;
  const DeserializationError parsed = deserializeJson(request, payload, length);
  if (parsed) {
    snprintf(result.problem, sizeof result.problem, "cmd/%s: payload is not JSON (%s), so there is no id to answer to", key, parsed.c_str());
    return result;
  }
  const char* id = request["id"] | "";
  if (id[0] == '\0' || strlen(id) > MAX_ID_LENGTH) {
    snprintf(result.problem, sizeof result.problem, "cmd/%s: no \"id\" (text of 1-%u characters) to answer to", key, unsigned(MAX_ID_LENGTH));
    return result;
  }

  char error[128];
  if (strcmp(key, INTERVAL_KEY) == 0) {
    if (applyInterval(request["value"], settings, error, sizeof error)) result.effect = INTERVAL_SET;
  } else if (strcmp(key, OUTPUT_KEY) == 0) {
    if (applyOutput(request["value"], settings, error, sizeof error)) result.effect = OUTPUT_SET;
  } else {
    snprintf(error, sizeof error, "unknown command \"%s\" (commands: %s, %s)", key, INTERVAL_KEY, OUTPUT_KEY);
  }

  JsonDocument ack;
  ack["id"] = id;
  ack["ok"] = result.effect != NO_EFFECT;
  if (result.effect == INTERVAL_SET) ack["value"] = settings.interval;
  if (result.effect == OUTPUT_SET) ack["value"] = settings.output;
  if (result.effect == NO_EFFECT) {
    ack["error"] = error;
    snprintf(result.problem, sizeof result.problem, "cmd/%s refused: %s", key, error);
  }
  result.answered = writeJson(ack, result.ack, sizeof result.ack) > 0;
  if (!result.answered) snprintf(result.problem, sizeof result.problem, "cmd/%s: the ack does not fit in %u bytes", key, unsigned(sizeof result.ack));
  return result;
}

}  // namespace hearth
