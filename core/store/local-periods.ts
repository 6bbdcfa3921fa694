import { localParts, localToEpoch } from '../zoned-time.ts';

/** Calendar periods in a time zone: where the day or month containing an instant began. */
export type Period = 'hour' | 'day' | 'month';

/** Start of the hour (UTC-aligned), local day or local month containing `ts`; correct across daylight-saving changes. */
export function periodStart(ts: number, period: Period, timeZone: string): number {
  if (period === 'hour') return Math.floor(ts / 3_600_000) * 3_600_000;
  const p = localParts(ts, timeZone);
  return localToEpoch({ year: p.year, month: p.month, day: period === 'day' ? p.day : 1, hour: 0, minute: 0, second: 0 }, timeZone);
}
