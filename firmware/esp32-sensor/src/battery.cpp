#include "battery.h"

#include <cmath>

namespace hearth {

namespace {

struct CurvePoint {
  double volts;
  double percent;
};

// Open-circuit voltage of a LiPo cell against its remaining charge, highest
// first. The curve is flat between 3.7 and 3.9 V, so a linear mapping of the
// voltage would be far off in the middle of the charge.
const CurvePoint CURVE[] = {
    {4.20, 100}, {4.15, 95}, {4.11, 90}, {4.08, 85}, {4.02, 80}, {3.98, 75}, {3.95, 70},
    {3.91, 65},  {3.87, 60}, {3.85, 55}, {3.84, 50}, {3.82, 45}, {3.80, 40}, {3.79, 35},
    {3.77, 30},  {3.75, 25}, {3.73, 20}, {3.71, 15}, {3.69, 10}, {3.61, 5},  {3.27, 0},
};
const int CURVE_POINTS = sizeof(CURVE) / sizeof(CURVE[0]);

const double NO_CELL_BELOW_VOLTS = 2.5;

}  // namespace

double batteryVoltage(uint32_t pinMillivolts, double dividerRatio) { return pinMillivolts * dividerRatio / 1000.0; }

double batteryPercent(double volts) {
  if (std::isnan(volts) || volts < NO_CELL_BELOW_VOLTS) return NAN;
  if (volts >= CURVE[0].volts) return 100;
  for (int i = 1; i < CURVE_POINTS; i++) {
    const CurvePoint& upper = CURVE[i - 1];
    const CurvePoint& lower = CURVE[i];
    if (volts >= lower.volts) {
      const double share = (volts - lower.volts) / (upper.volts - lower.volts);
      return std::round(lower.percent + share * (upper.percent - lower.percent));
    }
  }
  return 0;
}

}  // namespace hearth
