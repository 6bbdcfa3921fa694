import { Counter, Gauge, Registry } from 'prom-client';
import type { PluginState, PluginStatus } from './plugins/host.ts';

/** Live values the metrics read at scrape time. */
export interface MetricSources {
  pendingReadings(): number;
  /** readings committed since the hub started */
  readingsWritten(): number;
  pluginStatuses(): PluginStatus[];
}

const PLUGIN_STATES: readonly PluginState[] = ['starting', 'running', 'retrying', 'failed', 'disabled', 'stopped'];

/**
 * The hub's Prometheus metrics. One registry per hub (not prom-client's
 * global), so several hubs in one process, as in the tests, never mix counts.
 * HTTP request durations are registered by the HTTP app (core/http/http-metrics.ts).
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  // Counted in plain cells (every device message passes here) and handed to prom-client at scrape time.
  const messageCells = new Map<string, { value: number }>();
  new Counter({
    name: 'hearth_mqtt_messages_total',
    help: 'Device protocol messages received, by topic kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, cell] of messageCells) this.inc({ kind }, cell.value);
    },
  });
  /** The counter cell of one kind of message: `cell.value++` per message. */
  const mqttMessages = (kind: string) => {
    let cell = messageCells.get(kind);
    if (!cell) messageCells.set(kind, (cell = { value: 0 }));
    return cell;
  };
  const mqttRejected = new Counter({
    name: 'hearth_mqtt_messages_rejected_total',
    help: 'Device protocol messages (or parts of them) rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'hearth_store_pending_readings',
    help: 'Writer queue depth: readings accepted but not yet committed',
    registers: [registry],
    collect() {
      this.set(sources.pendingReadings());
    },
  });
  new Counter({
    name: 'hearth_readings_written_total',
    help: 'Readings committed to the time-series store',
    registers: [registry],
    // The store counts its commits; the counter shows that count at each scrape.
    collect() {
      this.reset();
      this.inc(sources.readingsWritten());
    },
  });
  new Gauge({
    name: 'hearth_plugin_status',
    help: 'Plugins by status: 1 for the status a plugin is in, 0 for the others',
    labelNames: ['plugin', 'status'] as const,
    registers: [registry],
    collect() {
      // Rebuilt from the statuses at each scrape (a reload starts a plugin's status over).
      this.reset();
      for (const plugin of sources.pluginStatuses()) {
        for (const state of PLUGIN_STATES) this.set({ plugin: plugin.id, status: state }, plugin.status === state ? 1 : 0);
      }
    },
  });
  const notificationsSent = new Counter({
    name: 'hearth_notifications_sent_total',
    help: 'Notifications delivered, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const notificationsFailed = new Counter({
    name: 'hearth_notifications_failed_total',
    help: 'Notifications that could not be delivered, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  return { registry, mqttMessages, mqttRejected, notificationsSent, notificationsFailed };
}

export type HubMetrics = ReturnType<typeof createMetrics>;
