import { createHash } from 'node:crypto';

/** A random source: uniform in [0, 1). */
export type Random = () => number;

/**
 * A seeded generator (mulberry32), so each simulated device gets the same
 * character on every run (its baseline, its MAC address), while values
 * still differ from device to device.
 */
export function seededRandom(seed: string): Random {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normally distributed noise (Box-Muller) with the given standard deviation. */
export function noise(random: Random, sd: number): number {
  const u = 1 - random();
  return sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function between(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Rounded to `decimals` places, as firmware prints its readings. */
export function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A delay around `meanMs`: ±`spread` (0.1 = ±10 %) so a thousand devices never fire in lock-step. */
export function jittered(random: Random, meanMs: number, spread: number): number {
  return meanMs * (1 - spread + 2 * spread * random());
}

/** A Wi-Fi signal in dBm where a device first finds itself: a fair link, -75 to -50. */
export function firstRssi(random: Random): number {
  return Math.round(between(random, -75, -50));
}

/** The signal a moment later: it wanders by about `sd` dB, within what a link survives (-90 to -40). */
export function nextRssi(random: Random, rssi: number, sd: number): number {
  return Math.round(clamp(rssi + noise(random, sd), -90, -40));
}
