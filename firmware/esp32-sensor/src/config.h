// The board's wiring and what can be tuned at build time. Each can be set
// from platformio.ini's build_flags (e.g. -DOUTPUT_PIN=4) instead of here.
#pragma once

#ifndef I2C_SDA_PIN
#define I2C_SDA_PIN 21  // ESP32 DevKit default I2C pins
#endif
#ifndef I2C_SCL_PIN
#define I2C_SCL_PIN 22
#endif

#ifndef SHT31_ADDRESS
#define SHT31_ADDRESS 0x44  // 0x45 with the ADDR pin high
#endif
#ifndef MPU6050_ADDRESS
#define MPU6050_ADDRESS 0x68  // 0x69 with AD0 high
#endif

// An ADC1 pin: ADC2 cannot be read while Wi-Fi is on.
#ifndef BATTERY_PIN
#define BATTERY_PIN 35
#endif
// Cell voltage / pin voltage: 2.0 for two equal resistors (100 kΩ + 100 kΩ).
#ifndef BATTERY_DIVIDER
#define BATTERY_DIVIDER 2.0
#endif

// The commandable output (on many DevKits the blue LED is on GPIO 2).
#ifndef OUTPUT_PIN
#define OUTPUT_PIN 2
#endif
