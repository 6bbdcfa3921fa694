#include "../src/backoff.h"
#include "runner.h"

TEST(backoff_doubles_up_to_its_maximum) {
  hearth::Backoff backoff(1000, 60000);
  const uint32_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
  for (uint32_t delay : expected) CHECK_EQ(backoff.next(), delay);
}

TEST(backoff_starts_over_after_a_success) {
  hearth::Backoff backoff(1000, 60000);
  backoff.next();
  backoff.next();
  backoff.reset();
  CHECK_EQ(backoff.next(), 1000u);
}
