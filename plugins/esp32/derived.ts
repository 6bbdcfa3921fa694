/** Values the plugin derives from an ESP32's readings. */

/** 1 g in m/s²: what an accelerometer at rest measures. */
const STANDARD_GRAVITY = 9.80665;

/** |a| in m/s², to 0.01 (the firmware's resolution). */
export function magnitude(x: number, y: number, z: number): number {
  return Math.round(Math.hypot(x, y, z) * 100) / 100;
}

/** Shaken: |a| further from 1 g than `thresholdMs2`. */
export function vibrating(magnitudeMs2: number, thresholdMs2: number): boolean {
  return Math.abs(magnitudeMs2 - STANDARD_GRAVITY) > thresholdMs2;
}
