import type { Logger } from 'pino';
import type { HubMetrics } from '../metrics.ts';
import type { RejectReason } from './native-payloads.ts';
import { RejectionLog } from './rejection-log.ts';

/** Counts every rejected device message (in /metrics) and logs it, throttled (see RejectionLog). */
export class Rejections {
  private readonly lines: RejectionLog;

  constructor(
    log: Logger,
    private readonly metrics: HubMetrics,
  ) {
    this.lines = new RejectionLog(log);
  }

  reject(topic: string, reason: RejectReason, message: string, field = '', now = Date.now()): void {
    this.metrics.mqttRejected.inc({ reason });
    this.lines.reject(topic, reason, message, field, now);
  }
}
