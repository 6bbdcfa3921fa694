// Battery level of a single-cell LiPo measured through a voltage divider.
#pragma once

#include <stdint.h>

namespace hearth {

// Cell voltage from the millivolts at the ADC pin and the divider's ratio
// (2.0 for two equal resistors: the pin sees half the cell).
double batteryVoltage(uint32_t pinMillivolts, double dividerRatio);

// Charge in % (0-100, whole numbers) from the cell voltage at rest, along a
// typical LiPo discharge curve. NaN below 2.5 V: no cell is connected (a LiPo
// that low is already cut off by its protection circuit), so no level is sent.
double batteryPercent(double volts);

}  // namespace hearth
