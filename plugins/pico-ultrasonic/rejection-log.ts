/**
 * Logs rejected messages as the core does for its own protocol: the first of
 * a kind (topic, reason and field) at once, then at most one line a minute with the
 * number left out, so one broken device cannot flood the log.
 */
import type { Logger } from '../../core/plugin-api.ts';

const QUIET_MS = 60_000;

export class RejectionLog {
  private readonly quiet = new Map<string, { until: number; suppressed: number }>();

  constructor(private readonly log: Logger) {}

  reject(topic: string, reason: string, field: string, message: string, now = Date.now()): void {
    const key = `${topic}\u0000${reason}\u0000${field}`;
    const entry = this.quiet.get(key);
    if (entry && now < entry.until) {
      entry.suppressed++;
      return;
    }
    this.quiet.set(key, { until: now + QUIET_MS, suppressed: 0 });
    const more = entry?.suppressed ? ` (${entry.suppressed} more like it in the last minute)` : '';
    this.log.warn({ topic, reason }, `rejected legacy message on ${topic}: ${message}${more}`);
  }
}
