// Commands from the hub: `hearth/<id>/cmd/<key>` with {"id", "value"}, answered
// on `…/cmd/<key>/ack` with {"id", "ok": true, "value"} or {"id", "ok": false, "error"}.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

namespace hearth {

enum CommandEffect { NO_EFFECT, INTERVAL_SET, OUTPUT_SET };

struct CommandResult {
  CommandEffect effect;  // which setting was applied (NO_EFFECT when refused)
  bool answered;         // false when the payload has no id to answer to: no ack at all
  char ack[256];         // the ack JSON when answered
  char problem[160];     // why it was refused or not answered, for the serial log; "" when applied
};

// The key of `hearth/<deviceId>/cmd/<key>`, pointing into `topic`; null for any other topic.
const char* commandKey(const char* topic, const char* deviceId);

// Checks and applies one command to `settings`; the caller then acts on `effect`
// (sets the pin, persists the interval) and sends the ack.
CommandResult handleCommand(const char* key, const uint8_t* payload, size_t length, Settings& settings);

}  // namespace hearth
