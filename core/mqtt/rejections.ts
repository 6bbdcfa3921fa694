import type { Logger } from 'pino';
import type { HubMetrics } from '../metrics.ts';
import type { RejectReason } from './native-payloads.ts';

const QUIET_MS = 60_000;

/**
 * Counts and logs rejected device messages. The first rejection on a topic for
 * a reason (and field) is always logged; after that at most one line a minute, carrying
 * how many were left out, so one chatty broken device cannot flood the log.
 */
export class Rejections {
  private readonly quietUntil = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: HubMetrics,
  ) {}

  reject(topic: string, reason: RejectReason, message: string, field = '', now = Date.now()): void {
    this.metrics.mqttRejected.inc({ reason });
    const key = `${topic}\u0000${reason}\u0000${field}`;
    const quiet = this.quietUntil.get(key);
    if (quiet && now < quiet.until) {
      quiet.suppressed++;
      return;
    }
    const suppressed = quiet?.suppressed ?? 0;
    this.quietUntil.set(key, { until: now + QUIET_MS, suppressed: 0 });
    const more = suppressed > 0 ? ` (${suppressed} more like it in the last minute)` : '';
    this.log.warn({ topic, reason }, `rejected MQTT message on ${topic}: ${message}${more}`);
  }
}
