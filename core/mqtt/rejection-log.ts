import type { Logger } from 'pino';

const QUIET_MS = 60_000;

/**
 * Logs rejected device messages: the first rejection on a topic for a reason
 * (and field) at once, after that at most one line a minute carrying how many
 * were left out, so one chatty broken device cannot flood the log. Used by the
 * core's protocols and, through the plugin API, by plugins for their own topics.
 */
export class RejectionLog {
  private readonly quietUntil = new Map<string, { until: number; suppressed: number }>();

  /** `what`: how the line names the message, e.g. `MQTT message`, `legacy message`. */
  constructor(
    private readonly log: Logger,
    private readonly what = 'MQTT message',
  ) {}

  reject(topic: string, reason: string, message: string, field = '', now = Date.now()): void {
    const key = `${topic}\u0000${reason}\u0000${field}`;
    const quiet = this.quietUntil.get(key);
    if (quiet && now < quiet.until) {
      quiet.suppressed++;
      return;
    }
    const suppressed = quiet?.suppressed ?? 0;
    this.quietUntil.set(key, { until: now + QUIET_MS, suppressed: 0 });
    const more = suppressed > 0 ? ` (${suppressed} more like it in the last minute)` : '';
    this.log.warn({ topic, reason }, `rejected ${this.what} on ${topic}: ${message}${more}`);
  }
}
