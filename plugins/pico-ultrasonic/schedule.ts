/**
 * A device's weekly arming schedule: `always`, `never`, or windows such as
 * `{days: [mon, tue], from: "22:00", to: "06:30"}` in a time zone. A window
 * whose end is earlier than its start ends the next day; its `days` are the
 * days it starts on, so Friday 22:00-06:30 covers Saturday morning too.
 */
import { localParts, localToEpoch } from '../../core/plugin-api.ts';
import { DAYS } from './config-schema.ts';

export interface ArmingWindow {
  days?: ReadonlyArray<(typeof DAYS)[number]>;
  from: string;
  to: string;
}

export type ArmingSetting = 'always' | 'never' | readonly ArmingWindow[];

interface Span {
  days: ReadonlySet<number>;
  /** seconds since local midnight */
  from: number;
  to: number;
}

// The schedule repeats every week: a value unchanged for longer never changes.
const WEEK_MINUTES = 7 * 1440;

export class Schedule {
  private readonly spans: Span[] | boolean;

  /** Throws an Error naming the window for a window that is empty (`from` equals `to`). */
  constructor(
    setting: ArmingSetting,
    private readonly timeZone: string,
  ) {
    if (typeof setting === 'string') {
      this.spans = setting === 'always';
      return;
    }
    this.spans = setting.map((w, i) => {
      const span = { days: new Set((w.days ?? DAYS).map((d) => DAYS.indexOf(d))), from: seconds(w.from), to: seconds(w.to) };
      if (span.from === span.to) throw new Error(`armed[${i}]: from and to are both ${w.from}; for a whole day write from: "00:00", to: "24:00"`);
      return span;
    });
  }

  armedAt(ts: number): boolean {
    if (typeof this.spans === 'boolean') return this.spans;
    const p = localParts(ts, this.timeZone);
    return this.armedOn(p.weekday, p.hour * 3600 + p.minute * 60 + p.second);
  }

  /**
   * The first minute after `ts` at which the schedule says otherwise than at `ts`; null when it
   * never does. Walks the local week minute by minute (arithmetic only), then asks the zone once.
   */
  nextChange(ts: number): number | null {
    if (typeof this.spans === 'boolean') return null;
    const now = this.armedAt(ts);
    const p = localParts(ts, this.timeZone);
    const start = p.hour * 60 + p.minute;
    for (let m = start + 1; m <= start + WEEK_MINUTES + 1; m++) {
      const day = Math.floor(m / 1440);
      const minute = m % 1440;
      if (this.armedOn((p.weekday + day) % 7, minute * 60) === now) continue;
      const at = localToEpoch({ year: p.year, month: p.month, day: p.day + day, hour: Math.floor(minute / 60), minute: minute % 60, second: 0 }, this.timeZone);
      // A wall time the clocks skipped lands later; one they repeated may land before `ts`.
      if (at > ts) return at;
    }
    return null;
  }

  /** On local weekday `weekday` (0 = Sunday) at `t` seconds after midnight. */
  private armedOn(weekday: number, t: number): boolean {
    const yesterday = (weekday + 6) % 7;
    return (this.spans as Span[]).some((s) =>
      s.from < s.to ? s.days.has(weekday) && t >= s.from && t < s.to : (s.days.has(weekday) && t >= s.from) || (s.days.has(yesterday) && t < s.to),
    );
  }
}

function seconds(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 3600 + m! * 60;
}
