// Writing a JsonDocument into a caller's buffer, all or nothing.
#pragma once

#include <ArduinoJson.h>

namespace hearth {

// The length written (NUL added), or 0 when the JSON needs more than `size` bytes:
// a message cut short would be invalid JSON, so none is sent instead.
inline size_t writeJson(const JsonDocument& doc, char* out, size_t size) {
  if (measureJson(doc) >= size) {
    if (size > 0) out[0] = '\0';
    return 0;
  }
  return serializeJson(doc, out, size);
}

}  // namespace hearth
