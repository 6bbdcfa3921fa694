import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/events/bus.ts';
import type { DeviceEvent, StateChanged } from '../../core/events/hub-events.ts';
import { captureLog } from './support.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function makeBus() {
  const { log, lines } = captureLog();
  return { bus: new EventBus(log), lines };
}

const changed: StateChanged = {
  entity_id: 'sensor.pico_garage_distance',
  old_state: null,
  new_state: { entity_id: 'sensor.pico_garage_distance', state: 42, attributes: {}, last_changed: 1000, last_updated: 1000 },
};

describe('EventBus emit and on', () => {
  it('delivers the exact payload to every listener of the event, in subscription order', () => {
    const { bus } = makeBus();
    const seen: string[] = [];
    const payloads: StateChanged[] = [];
    bus.on('state_changed', (p) => {
      seen.push('a');
      payloads.push(p);
    });
    bus.on('state_changed', (p) => {
      seen.push('b');
      payloads.push(p);
    });
    bus.emit('state_changed', changed);
    expect(seen).toEqual(['a', 'b']);
    expect(payloads).toHaveLength(2);
    expect(payloads[0]).toBe(changed);
    expect(payloads[1]).toBe(changed);
  });

  it('does not deliver one event to listeners of another', () => {
    const { bus } = makeBus();
    const online: DeviceEvent[] = [];
    bus.on('device_online', (p) => void online.push(p));
    bus.emit('device_offline', { device_id: 'pico' });
    expect(online).toEqual([]);
    bus.emit('device_online', { device_id: 'pico' });
    expect(online).toEqual([{ device_id: 'pico' }]);
  });

  it('emitting an event with no listeners is a no-op', () => {
    const { bus, lines } = makeBus();
    expect(() => bus.emit('device_registered', { device_id: 'x' })).not.toThrow();
    expect(lines).toEqual([]);
    expect(bus.listenerCount('device_registered')).toBe(0);
  });

  it('on() returns an unsubscribe that stops delivery and lowers listenerCount', () => {
    const { bus } = makeBus();
    const got: string[] = [];
    const off = bus.on('device_online', (p) => void got.push(p.device_id));
    bus.on('device_online', (p) => void got.push(`other:${p.device_id}`));
    expect(bus.listenerCount('device_online')).toBe(2);
    bus.emit('device_online', { device_id: 'one' });
    off();
    expect(bus.listenerCount('device_online')).toBe(1);
    bus.emit('device_online', { device_id: 'two' });
    expect(got).toEqual(['one', 'other:one', 'other:two']);
    off(); // a second call changes nothing
    expect(bus.listenerCount('device_online')).toBe(1);
  });

  it('the same function subscribed twice is called twice and unsubscribed one at a time', () => {
    const { bus } = makeBus();
    let calls = 0;
    const fn = () => void calls++;
    const off1 = bus.on('device_online', fn);
    bus.on('device_online', fn);
    bus.emit('device_online', { device_id: 'a' });
    expect(calls).toBe(2);
    off1();
    bus.emit('device_online', { device_id: 'a' });
    expect(calls).toBe(3);
  });
});

describe('EventBus listener isolation', () => {
  it('logs a throwing listener as <owner>/<event>: message and still runs the others', () => {
    const { bus, lines } = makeBus();
    const ran: string[] = [];
    bus.on('device_online', () => void ran.push('before'), 'first');
    bus.on(
      'device_online',
      () => {
        throw new Error('boom');
      },
      'weather',
    );
    bus.on('device_online', () => void ran.push('after'), 'last');
    expect(() => bus.emit('device_online', { device_id: 'd1' })).not.toThrow();
    expect(ran).toEqual(['before', 'after']);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('weather/device_online: boom');
    expect(lines[0]!.level).toBe(50);
    expect(lines[0]!.owner).toBe('weather');
    expect(lines[0]!.event).toBe('device_online');
    expect(lines[0]!.err?.message).toBe('boom');
  });

  it("uses 'core' as the owner when none is given", () => {
    const { bus, lines } = makeBus();
    bus.on('device_offline', () => {
      throw new Error('nope');
    });
    bus.emit('device_offline', { device_id: 'd1' });
    expect(lines.map((l) => l.msg)).toEqual(['core/device_offline: nope']);
  });

  it('logs a thrown non-Error by its string form', () => {
    const { bus, lines } = makeBus();
    bus.on(
      'device_offline',
      () => {
        throw 'plain text';
      },
      'p',
    );
    bus.emit('device_offline', { device_id: 'd1' });
    expect(lines.map((l) => l.msg)).toEqual(['p/device_offline: plain text']);
  });

  it('logs an async listener that rejects, without stopping the others', async () => {
    const { bus, lines } = makeBus();
    const ran: string[] = [];
    bus.on(
      'state_changed',
      async () => {
        await Promise.resolve();
        throw new Error('late failure');
      },
      'slowpoke',
    );
    bus.on('state_changed', () => void ran.push('sync'), 'other');
    bus.emit('state_changed', changed);
    expect(ran).toEqual(['sync']);
    await tick();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('slowpoke/state_changed: late failure');
    expect(lines[0]!.owner).toBe('slowpoke');
    expect(lines[0]!.event).toBe('state_changed');
  });

  it('a resolving async listener logs nothing', async () => {
    const { bus, lines } = makeBus();
    let done = false;
    bus.on('state_changed', async () => {
      await Promise.resolve();
      done = true;
    });
    bus.emit('state_changed', changed);
    await tick();
    expect(done).toBe(true);
    expect(lines).toEqual([]);
  });

  it('onListenerError hooks receive owner, event and the error for sync and async failures', async () => {
    const { bus } = makeBus();
    const calls: Array<[string, string, unknown]> = [];
    const calls2: string[] = [];
    bus.onListenerError((owner, event, error) => void calls.push([owner, event, error]));
    bus.onListenerError((owner) => void calls2.push(owner));
    const syncError = new Error('sync');
    const asyncError = new Error('async');
    bus.on(
      'device_online',
      () => {
        throw syncError;
      },
      'plugin-a',
    );
    bus.on('entity_registered', () => Promise.reject(asyncError), 'plugin-b');
    bus.on('entity_registered', () => undefined, 'fine');
    bus.emit('device_online', { device_id: 'd' });
    bus.emit('entity_registered', { entity_id: 'sensor.x', device_id: 'd' });
    await tick();
    expect(calls).toEqual([
      ['plugin-a', 'device_online', syncError],
      ['plugin-b', 'entity_registered', asyncError],
    ]);
    expect(calls[0]![2]).toBe(syncError);
    expect(calls[1]![2]).toBe(asyncError);
    expect(calls2).toEqual(['plugin-a', 'plugin-b']);
  });

  it('unsubscribing inside a listener during emit does not skip the following listeners', () => {
    const { bus } = makeBus();
    const ran: string[] = [];
    const offA = bus.on('device_online', () => {
      ran.push('a');
      offA();
    });
    bus.on('device_online', () => void ran.push('b'));
    bus.on('device_online', () => void ran.push('c'));
    bus.emit('device_online', { device_id: 'x' });
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(bus.listenerCount('device_online')).toBe(2);
    bus.emit('device_online', { device_id: 'x' });
    expect(ran).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('a listener added during emit does not run in that same emit', () => {
    const { bus } = makeBus();
    const ran: string[] = [];
    bus.on('device_online', () => {
      ran.push('a');
      if (ran.length === 1) bus.on('device_online', () => void ran.push('late'));
    });
    bus.emit('device_online', { device_id: 'x' });
    expect(ran).toEqual(['a']);
    bus.emit('device_online', { device_id: 'x' });
    expect(ran).toEqual(['a', 'a', 'late']);
  });
});

describe('ScopedBus', () => {
  it('registers listeners under its owner, so failures are attributed to it', () => {
    const { bus, lines } = makeBus();
    const scoped = bus.scoped('weather');
    expect(scoped.owner).toBe('weather');
    scoped.on('device_online', () => {
      throw new Error('bad');
    });
    scoped.emit('device_online', { device_id: 'd' });
    expect(lines.map((l) => l.msg)).toEqual(['weather/device_online: bad']);
  });

  it('emit through a scoped bus reaches listeners of the main bus and of other scopes', () => {
    const { bus } = makeBus();
    const got: string[] = [];
    bus.on('device_registered', (p) => void got.push(`core:${p.device_id}`));
    bus.scoped('b').on('device_registered', (p) => void got.push(`b:${p.device_id}`));
    bus.scoped('a').emit('device_registered', { device_id: 'z' });
    expect(got).toEqual(['core:z', 'b:z']);
  });

  it("release() removes all of that owner's listeners and only those", () => {
    const { bus } = makeBus();
    const a = bus.scoped('a');
    const b = bus.scoped('b');
    const got: string[] = [];
    a.on('device_online', () => void got.push('a1'));
    a.on('device_online', () => void got.push('a2'));
    a.on('state_changed', () => void got.push('a3'));
    b.on('device_online', () => void got.push('b1'));
    bus.on('device_online', () => void got.push('core'));
    expect(bus.listenerCount('device_online')).toBe(4);
    expect(bus.listenerCount('state_changed')).toBe(1);

    a.release();
    expect(bus.listenerCount('device_online')).toBe(2);
    expect(bus.listenerCount('state_changed')).toBe(0);
    bus.emit('device_online', { device_id: 'x' });
    bus.emit('state_changed', changed);
    expect(got).toEqual(['b1', 'core']);

    a.release(); // idempotent
    expect(bus.listenerCount('device_online')).toBe(2);
  });

  it('an unsubscribe from a scoped on() works alone and is not repeated by release()', () => {
    const { bus } = makeBus();
    const a = bus.scoped('a');
    const got: string[] = [];
    const off = a.on('device_online', () => void got.push('one'));
    a.on('device_online', () => void got.push('two'));
    off();
    expect(bus.listenerCount('device_online')).toBe(1);
    bus.emit('device_online', { device_id: 'x' });
    expect(got).toEqual(['two']);
    a.release();
    expect(bus.listenerCount('device_online')).toBe(0);
  });

  it('two scopes with the same owner name are released independently', () => {
    const { bus } = makeBus();
    const first = bus.scoped('same');
    const second = bus.scoped('same');
    first.on('device_online', () => undefined);
    second.on('device_online', () => undefined);
    first.release();
    expect(bus.listenerCount('device_online')).toBe(1);
    second.release();
    expect(bus.listenerCount('device_online')).toBe(0);
  });

  it('the scope can subscribe again after release()', () => {
    const { bus } = makeBus();
    const a = bus.scoped('a');
    a.on('device_online', () => undefined);
    a.release();
    const got: string[] = [];
    a.on('device_online', (p) => void got.push(p.device_id));
    bus.emit('device_online', { device_id: 'back' });
    expect(got).toEqual(['back']);
    expect(bus.listenerCount('device_online')).toBe(1);
  });
});
