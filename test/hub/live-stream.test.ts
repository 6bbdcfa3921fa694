import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';
import { refusal, SseClient, WsClient } from '../support/live-clients.ts';

const ENTITIES = [
  { key: 'temperature', kind: 'sensor', unit: '°C', state_class: 'measurement' },
  { key: 'motion', kind: 'binary_sensor', device_class: 'motion' },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

describe('the live stream: GET /api/stream (SSE) and /api/ws (WebSocket)', () => {
  let hub: TestHub | undefined;
  const devices: MqttClient[] = [];
  const clients: Array<{ close(): void }> = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(devices.splice(0).map((d) => d.endAsync(true)));
    await hub?.stop();
    hub = undefined;
  });

  /** A device that announced the two entities and is known to the hub. */
  async function device(id: string): Promise<(payload: object) => Promise<unknown>> {
    const client = await connectDevice(hub!.mqttUrl, id);
    devices.push(client);
    await announce(client, id, ENTITIES);
    await eventually(() => hub!.hub.entities.get(`binary_sensor.${id}_motion`));
    return (payload) => client.publishAsync(`hearth/${id}/telemetry`, JSON.stringify(payload), { qos: 1 });
  }
  const sse = async (query = '', headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${hub!.api}/api/stream${query}`, headers);
    clients.push(client);
    return client;
  };
  const ws = async () => {
    const client = await WsClient.open(`ws://127.0.0.1:${hub!.hub.httpPort}/api/ws`);
    clients.push(client);
    return client;
  };
  const live = () => hub!.hub.live;

  it('delivers a state change from an MQTT publish to SSE and WebSocket subscribers within 100 ms', async () => {
    hub = await startHub();
    const publish = await device('pico');
    const stream = await sse('?entity=sensor.pico_temperature');
    const socket = await ws();
    const subscription = await socket.subscribe({ entity: ['sensor.pico_temperature'] }, 1);

    const sseLatency: number[] = [];
    const wsLatency: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const value = 20 + i / 10;
      const sent = performance.now();
      await publish({ temperature: value });
      const viaSse = await stream.waitFor((m) => JSON.parse(m.data).new_state.state === value);
      const viaWs = await socket.waitFor((m) => m.type === 'event' && m.event.data.new_state.state === value);
      sseLatency.push(viaSse.at - sent);
      wsLatency.push(viaWs.at - sent);
    }
    console.log(
      `MQTT publish → live stream, 20 QoS 1 telemetry messages: SSE median ${ms(median(sseLatency))}, max ${ms(Math.max(...sseLatency))}; ` +
        `WebSocket median ${ms(median(wsLatency))}, max ${ms(Math.max(...wsLatency))}`,
    );
    expect(median(sseLatency)).toBeLessThan(100);
    expect(median(wsLatency)).toBeLessThan(100);

    // Every message is the REST API's state, with the feed's id and the event type.
    const last = stream.messages.at(-1)!;
    const { body: state } = await hub.get('/api/states/sensor.pico_temperature');
    expect(last.event).toBe('state_changed');
    expect(JSON.parse(last.data)).toEqual({ entity_id: 'sensor.pico_temperature', old_state: { ...state, state: 21.9, last_changed: expect.any(String), last_updated: expect.any(String) }, new_state: state });
    expect(stream.states.map((s) => s.value)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + (i + 1) / 10));
    const wsEvents = socket.events(subscription);
    expect(wsEvents).toHaveLength(20);
    expect(wsEvents.at(-1)).toEqual({ id: Number(last.id), type: 'state_changed', data: JSON.parse(last.data) });
  });

  it('filters by entity, device and event type: AND across kinds, OR within one', async () => {
    hub = await startHub();
    const a = await device('a');
    const b = await device('b');
    const [everything, entities, deviceA, offline, combined] = await Promise.all([
      sse(),
      sse('?entity=sensor.a_temperature,sensor.b_temperature'),
      sse('?device=a'),
      sse('?type=device_offline'),
      sse('?device=a&type=state_changed&entity=binary_sensor.a_motion&entity=sensor.b_temperature'),
    ]);

    await a({ temperature: 1 });
    await a({ motion: true });
    await b({ temperature: 2 });
    await devices[1]!.publishAsync('hearth/b/status', 'offline', { qos: 1, retain: true });
    await a({ temperature: 3 });
    await everything.waitFor((m) => m.event === 'state_changed' && JSON.parse(m.data).new_state.state === 3);
    // Each stream has had the time to receive anything it should not.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const summary = (client: SseClient) => client.messages.map((m) => `${m.event} ${m.event === 'state_changed' ? JSON.parse(m.data).new_state.state : JSON.parse(m.data).device_id}`);
    expect(summary(everything)).toEqual(['state_changed 1', 'state_changed true', 'event_logged a', 'state_changed 2', 'device_offline b', 'event_logged b', 'state_changed 3']);
    expect(summary(entities)).toEqual(['state_changed 1', 'state_changed 2', 'state_changed 3']);
    expect(summary(deviceA)).toEqual(['state_changed 1', 'state_changed true', 'event_logged a', 'state_changed 3']);
    expect(summary(offline)).toEqual(['device_offline b']);
    expect(summary(combined)).toEqual(['state_changed true']);
  });

  it('relays what is written to the event log, such as motion started, as event_logged', async () => {
    hub = await startHub();
    const a = await device('a');
    const logged = await sse('?type=event_logged&device=a');
    const ts = Date.now() - 1500;
    await a({ ts, motion: true });
    const message = await logged.waitFor((m) => m.event === 'event_logged');
    expect(JSON.parse(message.data)).toEqual({ type: 'motion_started', ts: new Date(ts).toISOString(), device_id: 'a', entity_id: 'binary_sensor.a_motion', data: {} });
  });

  it('refuses unknown parameters and bad values with a 400 that names them', async () => {
    hub = await startHub();
    const bad = (query: string) => refusal(`${hub!.api}/api/stream${query}`);
    const unknown = await bad('?entity=sensor.x&foo=1&bar=2');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.map((d: { path: string; message: string }) => `${d.path} ${d.message}`)).toEqual([
      expect.stringMatching(/^\/bar unknown/),
      expect.stringMatching(/^\/foo unknown/),
    ]);
    expect((await bad('?type=state_changed,state_change')).body.error.message).toMatch(/^type: unknown event type "state_change" \(known: state_changed, /);
    expect((await bad('?entity=')).body.error.message).toBe('entity[0]: expected a non-empty string, got ""');
    expect((await bad('?last_event_id=yesterday')).body.error.message).toMatch(/^last_event_id: expected the id of an event/);
    const response = await fetch(`${hub.api}/api/stream`, { headers: { 'Last-Event-ID': '12x' } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.message).toMatch(/^Last-Event-ID: /);
    expect(live().subscriberCount).toBe(0);
  });

  it('resumes from Last-Event-ID with exactly the missed events that match, then goes on live', async () => {
    hub = await startHub();
    const a = await device('a');
    const first = await sse('?entity=sensor.a_temperature');
    await a({ temperature: 1 });
    const seen = await first.waitFor((m) => m.event === 'state_changed');
    first.close();
    await eventually(() => live().subscriberCount === 0);

    await a({ temperature: 2, motion: true });
    await a({ temperature: 3 });
    await eventually(async () => (await hub!.get('/api/states/sensor.a_temperature')).body.state === 3);

    // What EventSource sends when it reconnects.
    const resumed = await sse('?entity=sensor.a_temperature', { 'Last-Event-ID': seen.id! });
    await resumed.waitFor((m) => JSON.parse(m.data).new_state.state === 3);
    await a({ temperature: 4 });
    await resumed.waitFor((m) => JSON.parse(m.data).new_state.state === 4);
    expect(resumed.messages.map((m) => m.event)).not.toContain('reset');
    expect(resumed.states.map((s) => s.value)).toEqual([2, 3, 4]);
    const ids = resumed.states.map((s) => s.id);
    expect(ids[0]).toBeGreaterThan(Number(seen.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    // The same from the query (a first connect) and over the WebSocket.
    const fromQuery = await sse(`?entity=sensor.a_temperature&last_event_id=${seen.id}`);
    await fromQuery.waitFor((m) => JSON.parse(m.data).new_state.state === 4);
    expect(fromQuery.states).toEqual(resumed.states);
    const socket = await ws();
    const subscription = await socket.subscribe({ entity: ['sensor.a_temperature'], last_event_id: Number(seen.id) }, 1);
    await eventually(() => socket.events(subscription).length === 3);
    expect(socket.events(subscription).map((e) => [e.id, e.data.new_state.state])).toEqual(resumed.states.map((s) => [s.id, s.value]));
  });

  it('sends reset first when the missed events are no longer buffered, then what is', async () => {
    hub = await startHub();
    const a = await device('a');
    const first = await sse('?entity=sensor.a_temperature');
    const t0 = Date.now() - 3_600_000;
    await a({ ts: t0, temperature: 0 });
    const seen = await first.waitFor((m) => m.event === 'state_changed');
    first.close();

    // More changes than the feed keeps (device batches are at most 1000 records).
    const capacity = live().capacity;
    const total = capacity + 1000;
    for (let batch = 0; batch < total / 1000; batch++) {
      await a(Array.from({ length: 1000 }, (_, i) => ({ ts: t0 + 1 + batch * 1000 + i, temperature: 1 + batch * 1000 + i })));
    }
    await eventually(async () => (await hub!.get('/api/states/sensor.a_temperature')).body.state === total);

    const late = await sse('?entity=sensor.a_temperature', { 'Last-Event-ID': seen.id! });
    await late.waitFor((m) => m.event === 'state_changed' && JSON.parse(m.data).new_state.state === total, 10_000);
    const [reset, ...rest] = late.messages;
    expect(reset!.event).toBe('reset');
    expect(JSON.parse(reset!.data)).toMatchObject({ last_event_id: Number(seen.id) });
    // The buffer holds the last `capacity` events; the first of them follows the reset's id.
    expect(rest).toHaveLength(capacity);
    expect(Number(rest[0]!.id)).toBe(Number(reset!.id) + 1);
    expect(JSON.parse(rest[0]!.data).new_state.state).toBe(total - capacity + 1);

    // With the reset's id, a reconnect is in the buffer again: no second reset.
    const socket = await ws();
    const subscription = await socket.subscribe({ entity: ['sensor.a_temperature'], last_event_id: Number(late.messages.at(-1)!.id) }, 1);
    await a({ temperature: -1 });
    await eventually(() => socket.events(subscription).length === 1);
    expect(socket.events(subscription)[0]!.data.new_state.state).toBe(-1);

    // An id from before this run (hub restarted) is a reset too.
    const stale = await ws();
    const old = await stale.subscribe({ event_type: ['device_offline'], last_event_id: 1 }, 1);
    await eventually(() => stale.events(old).length === 1);
    expect(stale.events(old)[0]).toMatchObject({ type: 'reset', data: { last_event_id: 1 } });
  });

  it('WebSocket: several subscriptions, unsubscribe, ping, and clear errors that leave the socket open', async () => {
    hub = await startHub();
    const a = await device('a');
    const socket = await ws();
    const temperature = await socket.subscribe({ entity: ['sensor.a_temperature'] }, 1);
    const offline = await socket.subscribe({ device: ['a'], event_type: ['device_offline', 'device_online'] }, 'second');
    expect([temperature, offline]).toEqual([1, 2]);
    expect(live().subscriberCount).toBe(2);

    await a({ temperature: 5 });
    await eventually(() => socket.events(temperature).length === 1);
    socket.send({ type: 'unsubscribe', id: 3, subscription: temperature });
    expect(await socket.waitFor((m) => m.id === 3)).toMatchObject({ type: 'result', success: true, subscription: temperature });
    expect(live().subscriberCount).toBe(1);
    await a({ temperature: 6 });
    await devices[0]!.publishAsync('hearth/a/status', 'offline', { qos: 1, retain: true });
    await eventually(() => socket.events(offline).length === 1);
    expect(socket.events(offline)[0]).toMatchObject({ type: 'device_offline', data: { device_id: 'a' } });
    expect(socket.events(temperature).map((e) => e.data.new_state.state)).toEqual([5]);

    const errors = () => socket.messages.filter((m) => m.type === 'error').map(({ id, error }) => ({ ...(id === undefined ? {} : { id }), ...error }));
    socket.send('{"type": "subscribe", ');
    socket.send({ type: 'subscribe', id: 9, event_type: ['state_changed', 'bogus'] });
    socket.send({ type: 'unsubscribe', id: 10, subscription: temperature });
    socket.send({ type: 'subscribe', id: 11, entity: ['sensor.a_temperature'], since: 5 });
    socket.send({ type: 'hello', id: 12 });
    socket.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send({ type: 'ping', id: 13 });
    expect(await socket.waitFor((m) => m.type === 'pong')).toMatchObject({ id: 13 });
    expect(errors()).toEqual([
      { code: 'invalid_json', message: expect.stringMatching(/^not JSON: /) },
      { id: 9, code: 'invalid_subscription', message: expect.stringMatching(/^event_type: unknown event type "bogus" \(known: state_changed, /) },
      { id: 10, code: 'unknown_subscription', message: `no subscription ${temperature} on this connection` },
      { id: 11, code: 'invalid_message', message: 'subscribe: unknown field "since" (allowed: type, id, entity, device, event_type, last_event_id)' },
      { id: 12, code: 'unknown_type', message: 'type: unknown message type "hello" (one of: subscribe, unsubscribe, ping)' },
      { code: 'invalid_message', message: 'binary frames are not understood: send JSON text' },
    ]);
    expect(live().subscriberCount).toBe(1);
  });

  it('removes every subscriber when clients go away', async () => {
    hub = await startHub();
    await device('a');
    const busListeners = hub.hub.bus.listenerCount('state_changed');
    const streams = await Promise.all([sse(), sse('?device=a')]);
    const socket = await ws();
    await socket.subscribe({}, 1);
    await socket.subscribe({ entity: ['sensor.a_temperature'] }, 2);
    expect(live().subscriberCount).toBe(4);
    // Clients add nothing to the bus: the feed listens once for all of them.
    expect(hub.hub.bus.listenerCount('state_changed')).toBe(busListeners);

    for (const stream of streams) stream.close();
    await eventually(() => live().subscriberCount === 2);
    socket.close();
    await eventually(() => live().subscriberCount === 0);
  });

  it('hub.stop() ends open streams and sockets at once instead of waiting for them', async () => {
    hub = await startHub();
    await device('a');
    const stream = await sse();
    const socket = await ws();
    await socket.subscribe({}, 1);
    const started = performance.now();
    await hub.stop();
    const stopMs = performance.now() - started;
    await stream.ended;
    expect((await socket.closed).code).toBe(1001);
    console.log(`hub.stop() with an open SSE stream and WebSocket: ${ms(stopMs)}`);
    expect(stopMs).toBeLessThan(2000);
    hub = undefined;
  });
});
