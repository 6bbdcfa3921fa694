import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/events/bus.ts';
import { parseEventId, parseFilter, SubscriptionError, type LiveFilter } from '../../core/http/live/filters.ts';
import { LiveFeed, type LiveEvent } from '../../core/http/live/live-feed.ts';
import { parseClientMessage, ProtocolError } from '../../core/http/live/ws-messages.ts';
import { captureLog, thrownBy } from './support.ts';

const DEVICES: Record<string, string> = { 'sensor.a_temp': 'a', 'binary_sensor.a_motion': 'a', 'sensor.b_temp': 'b' };

function makeFeed(capacity?: number, resumeWindowMs?: number) {
  const { log, lines } = captureLog();
  const bus = new EventBus(log);
  const feed = new LiveFeed(bus, (entityId) => DEVICES[entityId] ?? null, log, capacity, resumeWindowMs);
  const setState = (entity_id: string, state: number | boolean, ts = 1_000) =>
    bus.emit('state_changed', { entity_id, old_state: null, new_state: { entity_id, state, attributes: {}, last_changed: ts, last_updated: ts } });
  return { bus, feed, lines, setState };
}

/** A subscriber that keeps what it is given. */
function collector(filter: LiveFilter = {}) {
  const got: LiveEvent[] = [];
  let closed = false;
  return { got, subscriber: { filter, deliver: (e: LiveEvent) => void got.push(e), close: () => void (closed = true) }, isClosed: () => closed };
}

const states = (events: LiveEvent[]) => events.map((e) => (e.type === 'state_changed' ? (e.data as any).new_state.state : e.type));

describe('LiveFeed', () => {
  it('relays hub events with ids that grow by one, in the REST shapes (ISO times)', () => {
    const { bus, feed, setState } = makeFeed();
    const all = collector();
    feed.subscribe(all.subscriber);
    bus.emit('device_registered', { device_id: 'a' });
    bus.emit('entity_registered', { entity_id: 'sensor.lone', device_id: '' });
    setState('sensor.a_temp', 21.5, Date.UTC(2026, 0, 1));

    expect(all.got.map((e) => e.type)).toEqual(['device_registered', 'entity_registered', 'state_changed']);
    expect(all.got[1]!.id).toBe(all.got[0]!.id + 1);
    expect(all.got[2]!.id).toBe(all.got[0]!.id + 2);
    // Ids come from the clock, so one from before a restart is below this run's.
    expect(all.got[0]!.id).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
    expect(all.got[1]!.data).toEqual({ entity_id: 'sensor.lone', device_id: null });
    expect(all.got[2]).toMatchObject({ entity_id: 'sensor.a_temp', device_id: 'a' });
    expect(JSON.parse(all.got[2]!.json)).toEqual({
      entity_id: 'sensor.a_temp',
      old_state: null,
      new_state: { entity_id: 'sensor.a_temp', state: 21.5, attributes: {}, last_changed: '2026-01-01T00:00:00.000Z', last_updated: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('filters with AND across entity, device and type, OR within one', () => {
    const { bus, feed, setState } = makeFeed();
    const byEntity = collector({ entity: new Set(['sensor.a_temp', 'sensor.b_temp']) });
    const byDevice = collector({ device: new Set(['a']) });
    const byType = collector({ type: new Set(['device_online', 'device_offline']) });
    const both = collector({ device: new Set(['a']), type: new Set(['state_changed']), entity: new Set(['binary_sensor.a_motion', 'sensor.b_temp']) });
    for (const c of [byEntity, byDevice, byType, both]) feed.subscribe(c.subscriber);

    setState('sensor.a_temp', 1);
    setState('binary_sensor.a_motion', true);
    setState('sensor.b_temp', 2);
    bus.emit('device_online', { device_id: 'a' });
    bus.emit('device_offline', { device_id: 'b' });

    expect(states(byEntity.got)).toEqual([1, 2]);
    expect(states(byDevice.got)).toEqual([1, true, 'device_online']);
    expect(states(byType.got)).toEqual(['device_online', 'device_offline']);
    expect(states(both.got)).toEqual([true]);
  });

  it('replays exactly the matching events after the given id, then goes on live', () => {
    const { feed, setState } = makeFeed();
    const first = collector();
    const unsubscribe = feed.subscribe(first.subscriber);
    setState('sensor.a_temp', 1);
    unsubscribe();
    setState('sensor.a_temp', 2);
    setState('sensor.b_temp', 3);
    setState('sensor.a_temp', 4);

    const resumed = collector({ entity: new Set(['sensor.a_temp']) });
    feed.subscribe(resumed.subscriber, first.got[0]!.id);
    setState('sensor.a_temp', 5);
    expect(states(resumed.got)).toEqual([2, 4, 5]);
    expect(first.got).toHaveLength(1);
  });

  it('sends reset first when the id is older than the buffer, then what is still buffered', () => {
    const { feed, setState } = makeFeed(3);
    const all = collector();
    feed.subscribe(all.subscriber);
    for (let value = 1; value <= 5; value++) setState('sensor.a_temp', value);
    const ids = all.got.map((e) => e.id);

    // Events 2..5 were missed, but 2 is gone: the client must reload.
    const late = collector();
    feed.subscribe(late.subscriber, ids[0]);
    expect(states(late.got)).toEqual(['reset', 3, 4, 5]);
    expect(late.got[0]).toMatchObject({ id: ids[1], data: { last_event_id: ids[0] } });

    // Only 3..5 missed: all of them are buffered, no reset.
    const inTime = collector();
    feed.subscribe(inTime.subscriber, ids[1]);
    expect(states(inTime.got)).toEqual([3, 4, 5]);

    // Nothing missed.
    const current = collector();
    feed.subscribe(current.subscriber, ids[4]);
    expect(current.got).toEqual([]);

    // An id this feed never gave (a previous run's, or made up) cannot be trusted either.
    const stranger = collector({ entity: new Set(['sensor.b_temp']) });
    feed.subscribe(stranger.subscriber, ids[4]! + 10);
    expect(states(stranger.got)).toEqual(['reset']);
  });

  it('keeps events for the resume window after the last client left, then none until a client comes', async () => {
    const { feed, setState } = makeFeed(undefined, 30);
    const first = collector();
    const leave = feed.subscribe(first.subscriber);
    setState('sensor.a_temp', 1);
    leave();
    setState('sensor.a_temp', 2);
    const back = collector();
    feed.subscribe(back.subscriber, first.got[0]!.id)();
    expect(states(back.got)).toEqual([2]);

    await new Promise((resolve) => setTimeout(resolve, 60));
    setState('sensor.a_temp', 3);
    const late = collector();
    feed.subscribe(late.subscriber, first.got[0]!.id);
    setState('sensor.a_temp', 4);
    // Event 2 and 3 are gone: reset (with the id before the next event), then live again.
    expect(states(late.got)).toEqual(['reset', 4]);
    expect(late.got[1]!.id).toBe(first.got[0]!.id + 3);
    expect(late.got[0]!.id).toBe(late.got[1]!.id - 1);
  });

  it('on an empty feed, resuming from before this run is a reset', () => {
    const { feed } = makeFeed();
    const old = collector();
    feed.subscribe(old.subscriber, 42);
    expect(states(old.got)).toEqual(['reset']);
  });

  it('keeps delivering to the others when one subscriber throws, and logs it', () => {
    const { feed, lines, setState } = makeFeed();
    const good = collector();
    feed.subscribe({ filter: {}, deliver: () => { throw new Error('socket gone'); }, close: () => undefined });
    feed.subscribe(good.subscriber);
    setState('sensor.a_temp', 7);
    expect(states(good.got)).toEqual([7]);
    expect(lines.some((l) => l.msg.includes('socket gone'))).toBe(true);
  });

  it('close() leaves the bus and ends every subscriber', () => {
    const { bus, feed } = makeFeed();
    const one = collector();
    feed.subscribe(one.subscriber);
    expect(bus.listenerCount('state_changed')).toBe(1);
    feed.close();
    expect(bus.listenerCount('state_changed')).toBe(0);
    expect(bus.listenerCount('device_online')).toBe(0);
    expect(one.isClosed()).toBe(true);
    expect(feed.subscriberCount).toBe(0);
  });
});

describe('live filters and ids', () => {
  const names = { entity: 'entity', device: 'device', type: 'event_type' };
  const message = (fn: () => unknown) => {
    const error = thrownBy(fn);
    expect(error).toBeInstanceOf(SubscriptionError);
    return (error as Error).message;
  };

  it('names the field and the value that is wrong', () => {
    expect(message(() => parseFilter({ type: ['state_changed', 'state_change'] }, names))).toMatch(/^event_type: unknown event type "state_change" \(known: state_changed, /);
    expect(message(() => parseFilter({ entity: [] }, names))).toBe('entity: expected a non-empty list of ids');
    expect(message(() => parseFilter({ device: 'a' }, names))).toBe('device: expected a non-empty list of ids');
    expect(message(() => parseFilter({ device: ['a', 7] }, names))).toBe('device[1]: expected a non-empty string, got 7');
    expect(message(() => parseEventId('Last-Event-ID', 'abc'))).toBe('Last-Event-ID: expected the id of an event seen before (a non-negative integer), got "abc"');
    expect(message(() => parseEventId('last_event_id', -1))).toMatch(/^last_event_id: .* got -1$/);
  });

  it('accepts ids as strings or numbers', () => {
    expect(parseEventId('Last-Event-ID', '1795474881063004')).toBe(1795474881063004);
    expect(parseEventId('last_event_id', 12)).toBe(12);
    expect(parseFilter({ entity: ['a', 'b'] }, names)).toEqual({ entity: new Set(['a', 'b']) });
  });
});

describe('WebSocket client messages', () => {
  const problem = (text: string) => {
    const error = thrownBy(() => parseClientMessage(text));
    expect(error).toBeInstanceOf(ProtocolError);
    const { code, message, id } = error as ProtocolError;
    return { code, message, id };
  };

  it('parses subscribe, unsubscribe and ping', () => {
    expect(parseClientMessage('{"type":"subscribe","id":3,"entity":["sensor.a"],"event_type":["state_changed"],"last_event_id":9}')).toEqual({
      type: 'subscribe',
      id: 3,
      filter: { entity: new Set(['sensor.a']), type: new Set(['state_changed']) },
      after: 9,
    });
    expect(parseClientMessage('{"type":"unsubscribe","subscription":2}')).toEqual({ type: 'unsubscribe', subscription: 2 });
    expect(parseClientMessage('{"type":"ping","id":"p1"}')).toEqual({ type: 'ping', id: 'p1' });
  });

  it('says what is wrong, with the request id when there is one', () => {
    expect(problem('{"type":')).toMatchObject({ code: 'invalid_json', id: undefined });
    expect(problem('[1]')).toEqual({ code: 'invalid_message', message: 'expected a JSON object', id: undefined });
    expect(problem('{"id":4}')).toMatchObject({ code: 'invalid_message', id: 4, message: '"type" is missing (one of: subscribe, unsubscribe, ping)' });
    expect(problem('{"type":"subscribed","id":5}')).toMatchObject({ code: 'unknown_type', id: 5 });
    expect(problem('{"type":"subscribe"}').message).toMatch(/"id" is missing/);
    expect(problem('{"type":"subscribe","id":6,"entities":["x"]}')).toMatchObject({ code: 'invalid_message', id: 6, message: expect.stringContaining('unknown field "entities"') });
    expect(problem('{"type":"subscribe","id":7,"event_type":["nope"]}')).toMatchObject({ code: 'invalid_subscription', id: 7, message: expect.stringMatching(/^event_type: unknown event type "nope"/) });
    expect(problem('{"type":"subscribe","id":8,"last_event_id":"x"}')).toMatchObject({ code: 'invalid_subscription', message: expect.stringMatching(/^last_event_id: /) });
    expect(problem('{"type":"unsubscribe","id":9}')).toMatchObject({ code: 'invalid_message', id: 9, message: expect.stringContaining('"subscription" must be') });
    expect(problem('{"type":"ping","id":{"a":1}}')).toMatchObject({ code: 'invalid_message', message: expect.stringMatching(/^id: /) });
  });
});
