// Host-test stand-in for the part of ArduinoJson 7 the firmware uses, built on
// nlohmann-json (Debian's nlohmann-json3-dev). ArduinoJson itself cannot be
// installed here; on the ESP32 the real library is used, so this file follows
// its documented behaviour where the firmware depends on it:
// - members keep their insertion order (nlohmann::ordered_json);
// - reading a missing member creates nothing, writing one creates it; a
//   JsonVariant made from a missing member is unbound and takes no writes;
// - is<double>() holds for any number (integers too), is<bool>() only for
//   true/false; as<const char*>() is nullptr unless the value is a string;
// - `variant | "fallback"` gives the fallback unless the value is a string;
// - numbers print as ArduinoJson prints them (integers as such, doubles with at
//   most 9 decimals and no trailing zeros, 1e7 and up or under 1e-5 with an
//   exponent, NaN and infinities as null);
// - deserializeJson reads the first value (trailing text is ignored) and names
//   its error EmptyInput, IncompleteInput or InvalidInput.
// Not covered: conversions in as<T>(), nesting limits (TooDeep), NoMemory,
// ArduinoJson's leniencies beyond strict JSON, and floats (assigning one is
// refused at compile time: ArduinoJson stores a float as a float, this shim
// could only widen it to a double and print other digits).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

namespace arduinojson_shim {

using Node = nlohmann::ordered_json;

// One step from a node to a child: a member name or an array index.
struct Step {
  std::string key;
  size_t index;
  bool isIndex;
};

// A place in a document that may not exist yet, as ArduinoJson's proxies are:
// a path from the root, so it stays valid while the document grows.
class Ref {
 public:
  Ref() : root_(nullptr) {}
  Ref(Node* root, std::vector<Step> path) : root_(root), path_(std::move(path)) {}

  const Node* find() const {
    const Node* node = root_;
    for (const Step& step : path_) {
      if (node == nullptr) return nullptr;
      if (step.isIndex) {
        if (!node->is_array() || step.index >= node->size()) return nullptr;
        node = &(*node)[step.index];
      } else {
        if (!node->is_object()) return nullptr;
        auto it = node->find(step.key);
        if (it == node->end()) return nullptr;
        node = &*it;
      }
    }
    return node;
  }

  // Creates the members on the way, as writing through an ArduinoJson proxy
  // does; null for an unbound reference or through a value that is not an object.
  Node* create() const {
    Node* node = root_;
    for (const Step& step : path_) {
      if (node == nullptr) return nullptr;
      if (step.isIndex) {
        node = node->is_array() && step.index < node->size() ? &(*node)[step.index] : nullptr;
      } else {
        if (node->is_null()) *node = Node::object();
        node = node->is_object() ? &(*node)[step.key] : nullptr;
      }
    }
    return node;
  }

  Ref unbound() const { return Ref(); }

  Ref member(const char* key) const { return child(Step{key, 0, false}); }
  Ref element(size_t index) const { return child(Step{std::string(), index, true}); }

 private:
  Ref child(Step step) const {
    std::vector<Step> path = path_;
    path.push_back(std::move(step));
    return Ref(root_, std::move(path));
  }

  Node* root_;
  std::vector<Step> path_;
};

// ArduinoJson converts between types in as<T>() (a string to a number, and so
// on); that is not mirrored here, so as<bool>() and as<double>() on a value of
// another type stop the test instead of giving a value the device would not see.
[[noreturn]] inline void unmirrored(const char* what) {
  throw std::logic_error(std::string(what) + " on a value of another type: check is<T>() first (ArduinoJson would convert it)");
}

template <typename T, typename Enable = void>
struct Converter;

template <>
struct Converter<bool> {
  static bool is(const Node* n) { return n != nullptr && n->is_boolean(); }
  static bool as(const Node* n) { return is(n) ? n->get<bool>() : (unmirrored("as<bool>()"), false); }
};

template <>
struct Converter<const char*> {
  static bool is(const Node* n) { return n != nullptr && n->is_string(); }
  static const char* as(const Node* n) { return is(n) ? n->get_ref<const std::string&>().c_str() : nullptr; }
};

template <typename T>
struct Converter<T, typename std::enable_if<std::is_floating_point<T>::value>::type> {
  static bool is(const Node* n) { return n != nullptr && n->is_number(); }
  static T as(const Node* n) { return is(n) ? n->get<T>() : (unmirrored("as<double>()"), T(0)); }
};

std::string write(const Node& node);

}  // namespace arduinojson_shim

class JsonObject;
class JsonArray;

namespace arduinojson_shim {

// What JsonDocument, JsonVariant, JsonObject, JsonArray and member proxies share.
class VariantBase {
 public:
  VariantBase() {}
  explicit VariantBase(Ref ref) : ref_(std::move(ref)) {}

  class MemberProxy operator[](const char* key) const;

  template <typename T>
  bool is() const {
    return Converter<T>::is(ref_.find());
  }
  template <typename T>
  T as() const {
    return Converter<T>::as(ref_.find());
  }
  bool isNull() const {
    const Node* n = ref_.find();
    return n == nullptr || n->is_null();
  }
  template <typename T>
  T to() const;  // JsonObject or JsonArray: replaces the value with an empty one

  void operator=(bool value) const { assign(value); }
  void operator=(const char* value) const { value == nullptr ? assign(nullptr) : assign(std::string(value)); }
  void operator=(double value) const { assign(value); }
  void operator=(float value) const = delete;
  template <typename T>
  typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, bool>::value>::type operator=(T value) const {
    assign(value);
  }

  const Ref& ref() const { return ref_; }

 private:
  template <typename T>
  void assign(T value) const {
    Node* node = ref_.create();
    if (node != nullptr) *node = value;
  }

  Ref ref_;
};

// doc["key"]: reading finds the member, writing creates it.
class MemberProxy : public VariantBase {
 public:
  explicit MemberProxy(Ref ref) : VariantBase(std::move(ref)) {}
  using VariantBase::operator=;
};

inline MemberProxy VariantBase::operator[](const char* key) const { return MemberProxy(ref_.member(key)); }

}  // namespace arduinojson_shim

// A reference to a value. Made from a member that does not exist, it is
// unbound, as in ArduinoJson: writing through it does nothing.
class JsonVariant : public arduinojson_shim::VariantBase {
 public:
  JsonVariant() {}
  explicit JsonVariant(arduinojson_shim::Ref ref) : VariantBase(std::move(ref)) {}
  JsonVariant(const arduinojson_shim::MemberProxy& proxy)
      : VariantBase(proxy.ref().find() != nullptr ? proxy.ref() : proxy.ref().unbound()) {}
  using VariantBase::operator=;
};

class JsonObject : public arduinojson_shim::VariantBase {
 public:
  explicit JsonObject(arduinojson_shim::Ref ref) : VariantBase(std::move(ref)) {}
  using VariantBase::operator=;
};

class JsonArray : public arduinojson_shim::VariantBase {
 public:
  explicit JsonArray(arduinojson_shim::Ref ref) : VariantBase(std::move(ref)) {}

  template <typename T>
  T add() const {
    arduinojson_shim::Node* array = ref().create();
    if (array == nullptr) return T(ref().unbound());
    array->push_back(nullptr);
    T added(ref().element(array->size() - 1));
    added.template to<T>();
    return added;
  }
};

namespace arduinojson_shim {

template <typename T>
struct Converter<T, typename std::enable_if<std::is_same<T, JsonObject>::value || std::is_same<T, JsonArray>::value>::type> {
  static bool is(const Node* n) { return n != nullptr && (std::is_same<T, JsonObject>::value ? n->is_object() : n->is_array()); }
};

template <>
inline JsonObject VariantBase::to<JsonObject>() const {
  Node* node = ref_.create();
  if (node != nullptr) *node = Node::object();
  return JsonObject(node != nullptr ? ref_ : ref_.unbound());
}

template <>
inline JsonArray VariantBase::to<JsonArray>() const {
  Node* node = ref_.create();
  if (node != nullptr) *node = Node::array();
  return JsonArray(node != nullptr ? ref_ : ref_.unbound());
}

}  // namespace arduinojson_shim

// The text when the value is a string, else the fallback.
inline const char* operator|(const arduinojson_shim::VariantBase& variant, const char* fallback) {
  return variant.is<const char*>() ? variant.as<const char*>() : fallback;
}

class JsonDocument : public arduinojson_shim::VariantBase {
 public:
  JsonDocument() : VariantBase(arduinojson_shim::Ref(&root_, {})) {}
  // Everything made from a document points at its root: a copy would point at the original.
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  using VariantBase::operator=;

  void clear() { root_ = nullptr; }

 private:
  arduinojson_shim::Node root_;
};

class DeserializationError {
 public:
  enum Code { Ok, EmptyInput, IncompleteInput, InvalidInput, NoMemory, TooDeep };

  DeserializationError(Code code = Ok) : code_(code) {}
  Code code() const { return code_; }
  explicit operator bool() const { return code_ != Ok; }
  const char* c_str() const {
    static const char* const names[] = {"Ok", "EmptyInput", "IncompleteInput", "InvalidInput", "NoMemory", "TooDeep"};
    return names[code_];
  }
  friend bool operator==(const DeserializationError& error, Code code) { return error.code_ == code; }
  friend bool operator!=(const DeserializationError& error, Code code) { return error.code_ != code; }

 private:
  Code code_;
};

inline DeserializationError deserializeJson(JsonDocument& doc, const char* input, size_t length) {
  doc.clear();
  const std::string text(input, length);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return DeserializationError::EmptyInput;
  std::istringstream stream(text);
  arduinojson_shim::Node parsed;
  try {
    stream >> parsed;  // reads one value and leaves what follows, as ArduinoJson does
  } catch (const nlohmann::json::parse_error& error) {
    return error.byte > length ? DeserializationError::IncompleteInput : DeserializationError::InvalidInput;
  }
  *doc.ref().create() = std::move(parsed);
  return DeserializationError::Ok;
}

inline DeserializationError deserializeJson(JsonDocument& doc, const uint8_t* input, size_t length) {
  return deserializeJson(doc, reinterpret_cast<const char*>(input), length);
}

inline DeserializationError deserializeJson(JsonDocument& doc, const char* input) {
  return deserializeJson(doc, input, std::strlen(input));
}

inline std::string arduinojson_shim::write(const Node& node) {
  switch (node.type()) {
    case Node::value_t::object: {
      std::string out = "{";
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (out.size() > 1) out += ',';
        out += write(Node(it.key())) + ':' + write(it.value());
      }
      return out + '}';
    }
    case Node::value_t::array: {
      std::string out = "[";
      for (const Node& element : node) {
        if (out.size() > 1) out += ',';
        out += write(element);
      }
      return out + ']';
    }
    case Node::value_t::string: {
      std::string out = "\"";
      for (char c : node.get_ref<const std::string&>()) {
        switch (c) {
          case '"': out += "\\\""; break;
          case '\\': out += "\\\\"; break;
          case '\b': out += "\\b"; break;
          case '\f': out += "\\f"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default: out += c;
        }
      }
      return out + '"';
    }
    case Node::value_t::number_float: {
      const double value = node.get<double>();
      if (!std::isfinite(value)) return "null";
      if (value == 0) return "0";
      const double magnitude = std::fabs(value);
      const bool exponent = magnitude >= 1e7 || magnitude < 1e-5;
      char digits[64];
      std::snprintf(digits, sizeof digits, exponent ? "%.9e" : "%.9f", value);
      std::string text(digits);
      const size_t e = text.find('e');
      std::string mantissa = text.substr(0, e);
      mantissa.erase(mantissa.find_last_not_of('0') + 1);
      if (mantissa.back() == '.') mantissa.pop_back();
      if (e == std::string::npos) return mantissa;
      return mantissa + 'e' + std::to_string(std::stoi(text.substr(e + 1)));
    }
    case Node::value_t::null:
    case Node::value_t::discarded:
      return "null";
    default:
      return node.dump();  // booleans and integers print alike in both
  }
}

inline size_t measureJson(const arduinojson_shim::VariantBase& variant) {
  const arduinojson_shim::Node* node = variant.ref().find();
  return node == nullptr ? 4 : arduinojson_shim::write(*node).size();
}

// Writes at most size - 1 characters and a NUL; returns how many were written.
inline size_t serializeJson(const arduinojson_shim::VariantBase& variant, char* output, size_t size) {
  if (size == 0) return 0;
  const arduinojson_shim::Node* node = variant.ref().find();
  const std::string text = node == nullptr ? "null" : arduinojson_shim::write(*node);
  const size_t written = text.size() < size - 1 ? text.size() : size - 1;
  std::memcpy(output, text.data(), written);
  output[written] = '\0';
  return written;
}
