import { Counter, Gauge, Registry } from 'prom-client';

/** Live values the metrics read at scrape time. */
export interface MetricSources {
  pendingReadings(): number;
}

/**
 * The hub's Prometheus metrics. One registry per hub (not prom-client's
 * global), so several hubs in one process, as in the tests, never mix counts.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  const mqttMessages = new Counter({
    name: 'hearth_mqtt_messages_total',
    help: 'Device protocol messages received, by topic kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const mqttRejected = new Counter({
    name: 'hearth_mqtt_messages_rejected_total',
    help: 'Device protocol messages (or parts of them) rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'hearth_store_pending_readings',
    help: 'Readings accepted but not yet committed',
    registers: [registry],
    collect() {
      this.set(sources.pendingReadings());
    },
  });
  return { registry, mqttMessages, mqttRejected };
}

export type HubMetrics = ReturnType<typeof createMetrics>;
