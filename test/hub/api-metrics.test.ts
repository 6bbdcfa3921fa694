import type { MqttClient } from 'mqtt';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

describe('/metrics', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  /**
   * The families as typed in the text, and every sample line by its own name
   * with its labels: the parser folds a histogram's labelled series into one
   * sample, so its series are read once more without the TYPE lines, as plain samples.
   */
  async function scrape(): Promise<{ families: Map<string, MetricFamily>; samples: Map<string, MetricFamily> }> {
    const response = await fetch(`${hub.api}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
    // Untyped, each series of a histogram is a family of its own: put those of one name together.
    const samples = new Map<string, MetricFamily>();
    for (const family of parsePrometheusTextFormat(text.split('\n').filter((line) => !line.startsWith('# TYPE ')).join('\n'))) {
      const known = samples.get(family.name);
      if (known) known.metrics.push(...family.metrics);
      else samples.set(family.name, family);
    }
    return { families, samples };
  }

  const sample = (family: MetricFamily | undefined, labels: Record<string, string>) =>
    family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

  it('parses as Prometheus text with every hub metric, HTTP requests labelled by route pattern', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'plugins/sleepy/index.ts': `export default { id: 'sleepy', version: '1.0.0', hub: '^1.0.0', setup() { throw new Error('zzz'); } };` });
    hub = await startHub({ dir, yaml: 'plugins: { sleepy: {} }' });
    device = await connectDevice(hub.mqttUrl, 'meter');
    await announce(device, 'meter', [{ key: 'power', kind: 'sensor', unit: 'W' }]);
    for (const power of [100, 120, 90]) await device.publishAsync('hearth/meter/telemetry', JSON.stringify({ power }), { qos: 1 });
    await device.publishAsync('hearth/meter/telemetry', 'not json', { qos: 1 });
    await call(hub, 'GET', '/api/devices/nope');
    await call(hub, 'GET', '/api/devices/meter');
    await call(hub, 'GET', '/api/nothing-here');

    const { families: metrics, samples } = await eventually(async () => {
      const found = await scrape();
      return Number(found.families.get('hearth_readings_written_total')?.metrics[0]?.value) === 3 ? found : undefined;
    });

    expect(metrics.get('hearth_readings_written_total')?.type).toBe('COUNTER');
    expect(metrics.get('hearth_store_pending_readings')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '0' }] });
    expect(Number(sample(metrics.get('hearth_mqtt_messages_total'), { kind: 'telemetry' })?.value)).toBe(4);
    expect(metrics.get('hearth_mqtt_messages_rejected_total')?.metrics.length).toBeGreaterThan(0);

    const plugins = metrics.get('hearth_plugin_status');
    expect(plugins?.type).toBe('GAUGE');
    expect(sample(plugins, { plugin: 'sleepy', status: 'failed' })?.value).toBe('1');
    expect(sample(plugins, { plugin: 'sleepy', status: 'running' })?.value).toBe('0');

    // Registered now for the notifications to come: a counter per channel, none sent yet.
    for (const name of ['hearth_notifications_sent_total', 'hearth_notifications_failed_total']) {
      expect(metrics.get(name)).toMatchObject({ type: 'COUNTER', metrics: [] });
    }

    expect(metrics.get('hearth_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    const counts = samples.get('hearth_http_request_duration_seconds_count');
    const buckets = samples.get('hearth_http_request_duration_seconds_bucket');
    expect(sample(counts, { method: 'GET', route: '/api/devices/:id', status: '404' })?.value).toBe('1');
    expect(sample(buckets, { method: 'GET', route: '/api/devices/:id', status: '404', le: '+Inf' })?.value).toBe('1');
    expect(sample(counts, { method: 'GET', route: '/api/devices/:id', status: '200' })?.value).toBe('1');
    expect(sample(counts, { method: 'GET', route: 'unmatched', status: '404' })?.value).toBe('1');
    // The pattern, never the path: no label holds an id.
    const routes = counts!.metrics.map((m) => m.labels?.route);
    expect(routes.some((route) => route?.includes('nope') || route?.includes('meter'))).toBe(false);
  });
});
