// Lets the Arduino IDE open this folder as a sketch. The code is in src/
// (which the IDE compiles too): setup() and loop() are in src/main.cpp.
