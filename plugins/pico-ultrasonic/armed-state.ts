/**
 * Whether a device is armed at a given instant: its schedule, unless the user
 * flipped the `armed` switch, which holds until the schedule next changes
 * (disarming at 23:00 inside a 22:00-06:30 window lasts until 06:30; with
 * `always` or `never` it lasts until flipped back). The manual setting lives
 * in the switch's attributes, so it survives a restart of the hub.
 */
import type { State } from '../../core/plugin-api.ts';
import type { Schedule } from './schedule.ts';

interface Override {
  value: boolean;
  since: number;
  until: number | null;
}

export type ArmedAttributes = { source: 'schedule' } | { source: 'manual'; since: number; until: number | null };

export class ArmedState {
  private override: Override | undefined;

  constructor(
    private readonly schedule: Schedule,
    /** shows the current value on the switch */
    private readonly show: (armed: boolean, attributes: ArmedAttributes) => void,
  ) {}

  /** Takes back a manual setting from the switch's last state, unless the schedule has moved on since. */
  restore(state: State | undefined, now: number): void {
    const since = state?.attributes.since;
    if (state?.attributes.source === 'manual' && typeof state.state === 'boolean' && typeof since === 'number') {
      const until = this.schedule.nextChange(since);
      if (until === null || until > now) this.override = { value: state.state, since, until };
    }
    this.refresh(now);
  }

  armedAt(ts: number): boolean {
    const o = this.override;
    if (o && ts >= o.since && (o.until === null || ts < o.until)) return o.value;
    return this.schedule.armedAt(ts);
  }

  /** The user's choice; asking for what the schedule says anyway goes back to the schedule. */
  set(value: boolean, now: number): { armed: boolean; until: number | null } {
    this.override = value === this.schedule.armedAt(now) ? undefined : { value, since: now, until: this.schedule.nextChange(now) };
    this.refresh(now);
    return { armed: value, until: this.override?.until ?? null };
  }

  /** Ends an expired manual setting and shows the value in effect now. */
  refresh(now: number): void {
    if (this.override?.until != null && now >= this.override.until) this.override = undefined;
    const o = this.override;
    this.show(this.armedAt(now), o ? { source: 'manual', since: o.since, until: o.until } : { source: 'schedule' });
  }
}
