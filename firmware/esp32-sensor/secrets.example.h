// Copy to secrets.h beside platformio.ini and fill in, or save there the one
// `npx hearth device add <id> --kind esp32` prints. Keep it private: git ignores it.
#pragma once
#define WIFI_SSID "your-wifi-name"
#define WIFI_PASSWORD "your-wifi-password"
#define MQTT_HOST "192.168.1.10"
#define MQTT_PORT 1883
#define DEVICE_ID "esp32-sensor"
#define MQTT_USER "esp32-sensor"
#define MQTT_PASSWORD "the-password-hearth-device-add-printed"
// Optional: the name sent in the announce. Without it the hub keeps the name
// the device was added with (hearth device add --name).
// #define DEVICE_NAME "Workshop sensor"
