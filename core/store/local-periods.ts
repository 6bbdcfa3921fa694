/** Calendar periods in a time zone: where the day or month containing an instant began. */
export type Period = 'hour' | 'day' | 'month';

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(ts: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ts).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
}

/** Offset of the zone from UTC at `ts`, in ms (positive east of Greenwich). */
function offsetAt(ts: number, timeZone: string): number {
  const p = partsIn(ts, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ts / 60_000) * 60_000;
}

/** The UTC instant of a local midnight, correct across daylight-saving changes. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** Start of the hour (UTC-aligned), local day or local month containing `ts`. */
export function periodStart(ts: number, period: Period, timeZone: string): number {
  if (period === 'hour') return Math.floor(ts / 3_600_000) * 3_600_000;
  const p = partsIn(ts, timeZone);
  return localMidnight(p.year, p.month, period === 'day' ? p.day : 1, timeZone);
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
