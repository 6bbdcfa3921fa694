#include <cmath>

#include "../src/battery.h"
#include "runner.h"

using hearth::batteryPercent;
using hearth::batteryVoltage;

TEST(battery_voltage_undoes_the_divider) {
  CHECK_EQ(batteryVoltage(1935, 2.0), 3.87);
  CHECK_EQ(batteryVoltage(0, 2.0), 0.0);
}

TEST(battery_is_full_at_4_2_volts_and_above) {
  CHECK_EQ(batteryPercent(4.20), 100.0);
  CHECK_EQ(batteryPercent(4.35), 100.0);  // while charging
}

TEST(battery_is_empty_at_the_cutoff_and_below) {
  CHECK_EQ(batteryPercent(3.27), 0.0);
  CHECK_EQ(batteryPercent(3.0), 0.0);
  CHECK_EQ(batteryPercent(2.5), 0.0);
}

TEST(battery_without_a_cell_has_no_level) {
  CHECK(std::isnan(batteryPercent(2.49)));
  CHECK(std::isnan(batteryPercent(0)));
  CHECK(std::isnan(batteryPercent(NAN)));
}

TEST(battery_follows_the_lipo_curve_between_its_points) {
  CHECK_EQ(batteryPercent(3.87), 60.0);
  CHECK_EQ(batteryPercent(3.95), 70.0);
  CHECK_EQ(batteryPercent(4.17), 97.0);  // 40 % of the way from 4.15 V (95 %) to 4.20 V (100 %)
  CHECK_EQ(batteryPercent(3.40), 2.0);   // the steep end: 3.27 V is 0 %, 3.61 V is 5 %
}

TEST(battery_level_never_drops_as_the_voltage_rises) {
  double previous = 0;
  for (int millivolts = 2500; millivolts <= 4400; millivolts++) {
    const double percent = batteryPercent(millivolts / 1000.0);
    CHECK(percent >= previous);
    CHECK(percent <= 100);
    CHECK_EQ(percent, std::round(percent));
    previous = percent;
  }
}
