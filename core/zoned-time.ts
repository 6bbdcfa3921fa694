/**
 * Wall-clock time in an IANA time zone, with Intl only: what a local date and
 * time mean as an instant, which day, weekday and minute an instant falls on,
 * and how to write it for a person. Shared by the consumption statistics
 * (local days and months) and, through the plugin API, by plugins (arming
 * windows, intrusion reports).
 */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function localParts(ts: number, timeZone: string): LocalParts {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(ts).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS.indexOf(parts.weekday!),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** Offset of the zone from UTC at `ts` in ms, positive east of Greenwich. */
function offsetAt(ts: number, timeZone: string): number {
  const p = localParts(ts, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ts / 1000) * 1000;
}

/**
 * The instant a local wall time stands for. In the hour skipped when clocks go
 * forward it lands an hour on; in the hour repeated when they go back, on one of the two.
 */
export function localToEpoch(p: Omit<LocalParts, 'weekday'>, timeZone: string): number {
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(first, timeZone);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** For a person (a police report): `Monday 2026-11-23 04:01:02.345 +01:00 (Europe/Berlin)`, the milliseconds kept. */
export function describeInstant(ts: number, timeZone: string): { local_time: string; weekday: string; utc_offset: string } {
  const p = localParts(ts, timeZone);
  const offset = offsetAt(ts, timeZone) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const utcOffset = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const ms = ((ts % 1000) + 1000) % 1000;
  return {
    local_time: `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(ms, 3)} ${utcOffset}`,
    weekday: WEEKDAY_NAMES[p.weekday]!,
    utc_offset: utcOffset,
  };
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
