// The ESP32 glue: Wi-Fi, MQTT (PubSubClient), the sensors, the output pin and
// NVS. What is sent and when lives in device.cpp, which the host tests cover.
#include <Arduino.h>
#include <Adafruit_MPU6050.h>
#include <Adafruit_SHT31.h>
#include <Preferences.h>
#include <PubSubClient.h>
#include <WiFi.h>
#include <Wire.h>
#include <sys/time.h>
#include <time.h>

#if !__has_include("../secrets.h")
#error "secrets.h is missing: save the one `npx hearth device add <id> --kind esp32` prints beside platformio.ini (or copy secrets.example.h and fill it in)"
#endif
#include "../secrets.h"

#include "backoff.h"
#include "battery.h"
#include "config.h"
#include "device.h"

#ifndef DEVICE_NAME
#define DEVICE_NAME nullptr  // the hub keeps the name the device was added with
#endif

namespace {

const uint16_t MQTT_BUFFER_SIZE = 2048;  // the announce is ~1.3 kB; PubSubClient's default is 256
const uint16_t MQTT_SOCKET_TIMEOUT_S = 5;  // how long connect() may block the loop
const uint32_t FIRST_RETRY_MS = 1000;
const uint32_t MAX_RETRY_MS = 60000;
const int BATTERY_SAMPLES = 8;
const char* const PREFERENCES_NAMESPACE = "hearth";

WiFiClient network;
PubSubClient mqtt(network);
Preferences preferences;
Adafruit_SHT31 sht31;
Adafruit_MPU6050 mpu6050;
bool sht31Ready = false;
bool mpu6050Ready = false;

hearth::Backoff wifiBackoff(FIRST_RETRY_MS, MAX_RETRY_MS);
hearth::Backoff mqttBackoff(FIRST_RETRY_MS, MAX_RETRY_MS);
bool wifiUp = false;
bool mqttUp = false;
bool clockStarted = false;
uint32_t nextWifiAttemptMs = 0;
uint32_t nextMqttAttemptMs = 0;

bool due(uint32_t nowMs, uint32_t atMs) { return int32_t(nowMs - atMs) >= 0; }

bool i2cPresent(uint8_t address) {
  Wire.beginTransmission(address);
  return Wire.endTransmission() == 0;
}

// A sensor that failed is set up again at the next report: one plugged in late,
// or one that glitched, comes back without a reboot.
void readClimate(hearth::Readings& readings) {
  if (!sht31Ready) sht31Ready = sht31.begin(SHT31_ADDRESS);
  float celsius;
  float humidity;
  if (sht31Ready && sht31.readBoth(&celsius, &humidity)) {
    readings.values[hearth::TEMPERATURE] = celsius;
    readings.values[hearth::HUMIDITY] = humidity;
  } else {
    sht31Ready = false;
  }
}

void readMotion(hearth::Readings& readings) {
  // The library does not report a failed I2C read, so the sensor is looked for first.
  if (!i2cPresent(MPU6050_ADDRESS)) {
    mpu6050Ready = false;
    return;
  }
  if (!mpu6050Ready) mpu6050Ready = mpu6050.begin(MPU6050_ADDRESS, &Wire);
  sensors_event_t accel;
  sensors_event_t gyro;
  sensors_event_t temperature;
  if (!mpu6050Ready || !mpu6050.getEvent(&accel, &gyro, &temperature)) return;
  readings.values[hearth::ACCEL_X] = accel.acceleration.x;
  readings.values[hearth::ACCEL_Y] = accel.acceleration.y;
  readings.values[hearth::ACCEL_Z] = accel.acceleration.z;
  // The library gives rad/s; the entities are in °/s.
  readings.values[hearth::GYRO_X] = gyro.gyro.x * RAD_TO_DEG;
  readings.values[hearth::GYRO_Y] = gyro.gyro.y * RAD_TO_DEG;
  readings.values[hearth::GYRO_Z] = gyro.gyro.z * RAD_TO_DEG;
}

void readBattery(hearth::Readings& readings) {
  uint32_t millivolts = 0;
  for (int i = 0; i < BATTERY_SAMPLES; i++) millivolts += analogReadMilliVolts(BATTERY_PIN);  // calibrated by the core
  readings.values[hearth::BATTERY] = hearth::batteryPercent(hearth::batteryVoltage(millivolts / BATTERY_SAMPLES, BATTERY_DIVIDER));
}

class EspBoard final : public hearth::Board {
 public:
  bool publish(const char* topic, const char* payload, bool retain) override {
    // PubSubClient publishes at QoS 0 only; TCP keeps the order, and the hub
    // applies a device's messages in order.
    return mqtt.publish(topic, payload, retain);
  }

  void read(hearth::Readings& readings) override {
    readClimate(readings);
    readMotion(readings);
    readBattery(readings);
    const int32_t rssi = WiFi.RSSI();  // 0 when it cannot be read
    if (rssi < 0) readings.values[hearth::RSSI] = rssi;
    struct timeval now;
    gettimeofday(&now, nullptr);
    readings.ts = hearth::epochMs(now.tv_sec, now.tv_usec);
  }

  void setOutput(bool on) override { digitalWrite(OUTPUT_PIN, on ? HIGH : LOW); }

  void saveInterval(uint32_t seconds) override { preferences.putUInt(hearth::INTERVAL_KEY, seconds); }

  void log(const char* line) override { Serial.println(line); }
};

EspBoard board;
hearth::Device* device = nullptr;

hearth::Settings storedSettings() {
  const uint32_t stored = preferences.getUInt(hearth::INTERVAL_KEY, hearth::DEFAULT_INTERVAL_S);
  const hearth::Settings settings = {hearth::intervalInRange(stored) ? stored : hearth::DEFAULT_INTERVAL_S, false};
  return settings;
}

// WiFi.begin() returns at once; the next attempt waits for the backoff delay,
// which also leaves the association time to finish.
bool keepWifi(uint32_t nowMs) {
  if (WiFi.status() == WL_CONNECTED) {
    if (!wifiUp) {
      wifiUp = true;
      wifiBackoff.reset();
      Serial.printf("Wi-Fi connected, address %s\n", WiFi.localIP().toString().c_str());
      if (!clockStarted) {
        configTime(0, 0, "pool.ntp.org", "time.google.com");  // syncs in the background; ts is sent once it has
        clockStarted = true;
      }
    }
    return true;
  }
  if (wifiUp) {
    wifiUp = false;
    Serial.println("Wi-Fi lost");
    nextWifiAttemptMs = nowMs;
  }
  if (due(nowMs, nextWifiAttemptMs)) {
    const uint32_t delayMs = wifiBackoff.next();
    Serial.printf("connecting to Wi-Fi \"%s\" (next try in %u s)\n", WIFI_SSID, unsigned(delayMs / 1000));
    WiFi.disconnect();
    WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
    nextWifiAttemptMs = nowMs + delayMs;
  }
  return false;
}

bool keepMqtt(uint32_t nowMs) {
  if (mqtt.connected()) return true;
  if (mqttUp) {
    mqttUp = false;
    Serial.printf("MQTT connection lost (state %d)\n", mqtt.state());
    nextMqttAttemptMs = nowMs;
  }
  if (!due(nowMs, nextMqttAttemptMs)) return false;
  // The last will marks the device offline at the hub if the connection drops.
  if (!mqtt.connect(DEVICE_ID, MQTT_USER, MQTT_PASSWORD, device->statusTopic(), 1, true, "offline")) {
    const uint32_t delayMs = mqttBackoff.next();
    // State 4/5: bad or unknown account; the password is never printed.
    Serial.printf("MQTT connect to %s:%d as %s failed (state %d), next try in %u s\n", MQTT_HOST, MQTT_PORT, MQTT_USER, mqtt.state(),
                  unsigned(delayMs / 1000));
    nextMqttAttemptMs = nowMs + delayMs;
    return false;
  }
  mqttUp = true;
  mqttBackoff.reset();
  Serial.printf("MQTT connected to %s:%d\n", MQTT_HOST, MQTT_PORT);
  mqtt.subscribe(device->commandTopic(), 1);
  device->connected(nowMs);
  return true;
}

void onMessage(char* topic, uint8_t* payload, unsigned int length) { device->message(topic, payload, length, millis()); }

}  // namespace

void setup() {
  Serial.begin(115200);
  pinMode(OUTPUT_PIN, OUTPUT);
  digitalWrite(OUTPUT_PIN, LOW);
  analogSetPinAttenuation(BATTERY_PIN, ADC_11db);  // up to ~3.1 V at the pin
  Wire.begin(I2C_SDA_PIN, I2C_SCL_PIN);
  preferences.begin(PREFERENCES_NAMESPACE, false);

  static hearth::Device instance(board, DEVICE_ID, DEVICE_NAME, storedSettings());
  device = &instance;
  Serial.printf("Hearth esp32-sensor %s, device %s, reports every %u s\n", hearth::FIRMWARE_VERSION, DEVICE_ID,
                unsigned(device->settings().interval));

  WiFi.mode(WIFI_STA);
  WiFi.setAutoReconnect(false);  // keepWifi() retries, with backoff
  mqtt.setServer(MQTT_HOST, MQTT_PORT);
  mqtt.setBufferSize(MQTT_BUFFER_SIZE);
  mqtt.setSocketTimeout(MQTT_SOCKET_TIMEOUT_S);
  mqtt.setCallback(onMessage);
}

// Never blocks for long: each pass checks the links, serves MQTT and reports when due.
void loop() {
  const uint32_t nowMs = millis();
  if (keepWifi(nowMs) && keepMqtt(nowMs)) {
    mqtt.loop();
    device->loop(millis());
  }
  delay(10);  // lets the idle task run (watchdog) and saves power
}
