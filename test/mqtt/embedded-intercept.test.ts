import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../core/mqtt/embedded-broker.ts';

describe('EmbeddedBroker.intercept', () => {
  let broker: EmbeddedBroker | undefined;
  afterEach(async () => broker?.close());

  it('holds a QoS 1 PUBACK until the handler has finished, and hands each message over once', async () => {
    broker = await EmbeddedBroker.start({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
    const order: string[] = [];
    await broker.intercept('hearth/+/telemetry', async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      order.push(`handled ${message.payload.toString()}`);
    });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    const started = Date.now();
    await client.publishAsync('hearth/d1/telemetry', 'a', { qos: 1 });
    order.push('puback');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    // Published inside the hub (no client, no authorizePublish): delivered once, by the subscription leg.
    await broker.publish('hearth/d2/telemetry', 'b');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual(['handled a', 'puback', 'handled b']);
    await client.endAsync();
  });

  it('lets the publish through when the handler throws, so a bad message never disconnects its device', async () => {
    broker = await EmbeddedBroker.start({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
    await broker.intercept('t/#', () => {
      throw new Error('broken handler');
    });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    await client.publishAsync('t/x', 'one', { qos: 1 });
    await client.publishAsync('t/x', 'two', { qos: 1 });
    expect(client.connected).toBe(true);
    await client.endAsync();
  });
});
