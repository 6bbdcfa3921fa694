// A tiny test runner for the host tests: TEST(name) { CHECK(...); CHECK_EQ(actual, expected); }.
// A failed check ends its test with the file, line, expression and both values;
// the others still run. Prints "N passed, N failed" last; exits 1 on any failure.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>

namespace hosttest {

typedef void (*TestFunction)();

struct Registration {
  Registration(const char* name, TestFunction function);
};

[[noreturn]] void fail(const char* file, int line, const std::string& message);

// Text is compared as text, whatever mix of char pointers, arrays and strings.
template <typename T>
const T& comparable(const T& value) {
  return value;
}
inline std::string comparable(const char* text) { return text == nullptr ? std::string("(null)") : std::string(text); }
template <size_t N>
std::string comparable(const char (&text)[N]) {
  return std::string(text);
}
template <size_t N>
std::string comparable(char (&text)[N]) {
  return std::string(text);
}

template <typename Actual, typename Expected>
void checkEqual(const Actual& actual, const Expected& expected, const char* actualText, const char* expectedText, const char* file, int line) {
  if (comparable(actual) == comparable(expected)) return;
  std::ostringstream message;
  message << "CHECK_EQ(" << actualText << ", " << expectedText << ")\n    actual:   " << comparable(actual)
          << "\n    expected: " << comparable(expected);
  fail(file, line, message.str());
}

}  // namespace hosttest

#define TEST(name)                                                            \
  static void name();                                                         \
  static const hosttest::Registration name##_registration(#name, name); \
  static void name()

#define CHECK(condition) ((condition) ? (void)0 : hosttest::fail(__FILE__, __LINE__, "CHECK(" #condition ") is false"))
#define CHECK_EQ(actual, expected) hosttest::checkEqual((actual), (expected), #actual, #expected, __FILE__, __LINE__)
