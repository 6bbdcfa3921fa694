#include "runner.h"

#include <cstdio>
#include <exception>
#include <vector>

namespace hosttest {

namespace {

struct Test {
  const char* name;
  TestFunction function;
};

// A function-local list: registrations in other files run before main, in no set order.
std::vector<Test>& tests() {
  static std::vector<Test> all;
  return all;
}

struct Failure {
  std::string where;
  std::string message;
};

}  // namespace

Registration::Registration(const char* name, TestFunction function) { tests().push_back(Test{name, function}); }

void fail(const char* file, int line, const std::string& message) {
  throw Failure{std::string(file) + ":" + std::to_string(line), message};
}

}  // namespace hosttest

int main() {
  int passed = 0;
  int failed = 0;
  for (const hosttest::Test& test : hosttest::tests()) {
    try {
      test.function();
      passed++;
      std::printf("ok   %s\n", test.name);
    } catch (const hosttest::Failure& failure) {
      failed++;
      std::printf("FAIL %s\n  %s: %s\n", test.name, failure.where.c_str(), failure.message.c_str());
    } catch (const std::exception& error) {
      failed++;
      std::printf("FAIL %s\n  threw: %s\n", test.name, error.what());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
