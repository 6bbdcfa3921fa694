/**
 * Motion from a Pico's triggered readings. Every reading counts, even one
 * equal to the last (two triggers at 87 cm are two passes). A reading at
 * least `thresholdCm` from the baseline turns motion on; it turns off after
 * `timeoutMs` without another such reading (like Zigbee2MQTT's
 * occupancy_timeout), or at once on a reading back within the threshold.
 *
 * An episode is one stretch of motion: its first reading is the one worth an
 * intrusion event. Episodes are told apart by the device's own timestamps, so
 * a queue of events a Pico kept while offline, arriving all at once, still
 * splits into the episodes that really happened.
 */
import type { PluginContext, Unsubscribe } from '../../core/plugin-api.ts';

export interface Reading {
  /** ms epoch, the device's time */
  ts: number;
  distance: number;
  /** null when unknown (a legacy device without `baseline_cm`): every reading is a trigger */
  baseline: number | null;
}

export interface MotionSettings {
  thresholdCm: number;
  timeoutMs: number;
}

export interface MotionListener {
  /** motion on or off, at `ts` (ms epoch) */
  changed(on: boolean, ts: number): void;
  /** the first trigger of a new episode */
  started(reading: Reading): void;
}

export class MotionTracker {
  /** device time of the latest trigger of the open episode */
  private lastTrigger: number | undefined;
  private cancelTimeout: Unsubscribe | undefined;

  constructor(
    readonly settings: MotionSettings,
    private readonly listener: MotionListener,
    /** `ctx.schedule.after`: a throw of `changed` when the timeout ends the motion is reported against the plugin */
    private readonly after: PluginContext['schedule']['after'],
  ) {}

  departs(reading: Reading): boolean {
    return reading.baseline === null || Math.abs(reading.distance - reading.baseline) >= this.settings.thresholdCm;
  }

  take(reading: Reading): void {
    const { timeoutMs } = this.settings;
    if (!this.departs(reading)) {
      if (this.lastTrigger !== undefined) this.end(reading.ts);
      return;
    }
    if (this.lastTrigger !== undefined && reading.ts - this.lastTrigger > timeoutMs) this.end(this.lastTrigger + timeoutMs);
    const fresh = this.lastTrigger === undefined;
    this.lastTrigger = Math.max(reading.ts, this.lastTrigger ?? reading.ts);
    if (fresh) this.listener.started(reading);
    this.listener.changed(true, reading.ts);
    this.stop();
    // The hub's clock decides when the silence has lasted long enough; the
    // off time written is the device's, unless that is still ahead of us.
    this.cancelTimeout = this.after(timeoutMs, () => this.end(Math.min(Date.now(), this.lastTrigger! + timeoutMs)));
  }

  stop(): void {
    this.cancelTimeout?.();
    this.cancelTimeout = undefined;
  }

  private end(ts: number): void {
    this.stop();
    this.lastTrigger = undefined;
    this.listener.changed(false, ts);
  }
}
