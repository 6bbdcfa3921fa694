/**
 * The same bounds on a device's clock as the hub's native protocol: before
 * 2001 the clock was never set, more than a day ahead it is wrong.
 */
const EARLIEST = Date.UTC(2001, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600_000;

/** `ts` unchanged, or an Error saying why a device's clock cannot be believed. */
export function checkDeviceTime(ts: number, now: number, what: string): number {
  if (!Number.isFinite(ts)) throw new Error(`${what} is not a time`);
  if (ts < EARLIEST) throw new Error(`${what} is before 2001: is the device clock set?`);
  if (ts > now + FUTURE_SLACK_MS) throw new Error(`${what} is more than a day in the future`);
  return Math.round(ts);
}
