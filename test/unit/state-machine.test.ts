import { afterEach, describe, expect, it } from 'vitest';
import type { StateChanged } from '../../core/events/hub-events.ts';
import { DeviceRegistry } from '../../core/registry/devices.ts';
import { EntityRegistry } from '../../core/registry/entities.ts';
import { StateMachine } from '../../core/states/state-machine.ts';
import { isRecoverable, numericValue, stateFromReading } from '../../core/states/state.ts';
import { cleanup, closeHandle, openRegistry, recordingBus, tempDbFile } from './support.ts';

afterEach(cleanup);

const DIST = 'sensor.pico_garage_distance';
const DOOR = 'binary_sensor.pico_garage_door';
const MODE = 'sensor.pico_garage_mode';

/** Registries with three entities (ids 1, 2, 3) and a StateMachine whose recorder calls are kept. */
async function open(file = tempDbFile(), seed = true) {
  const { sqlite, db } = await openRegistry(file);
  const { bus, events } = recordingBus();
  const devices = new DeviceRegistry(db, bus);
  const entities = new EntityRegistry(db, bus);
  await devices.load();
  await entities.load();
  if (seed) {
    await devices.upsert('native', { id: 'pico-garage' }, 1);
    await entities.upsert('native', { unique_id: 'd', device_id: 'pico-garage', key: 'distance', kind: 'sensor', unit: 'cm' }, 1);
    await entities.upsert('native', { unique_id: 'door', device_id: 'pico-garage', key: 'door', kind: 'binary_sensor' }, 1);
    await entities.upsert('native', { unique_id: 'mode', device_id: 'pico-garage', key: 'mode', kind: 'sensor' }, 1);
  }
  const recorded: Array<[number, number, number]> = [];
  const states = new StateMachine(db, entities, bus, (entity, ts, value) => void recorded.push([entity, ts, value]));
  await states.load();
  events.length = 0;
  const changes = () => events.filter((e) => e.event === 'state_changed').map((e) => e.payload as StateChanged);
  return { file, sqlite, db, entities, states, events, changes, recorded };
}

/** A new StateMachine on the file after `fill` set states and they were saved. */
async function savedAndReopened(fill: (states: StateMachine) => void) {
  const { file, sqlite, states } = await open();
  fill(states);
  await states.flush();
  closeHandle(sqlite);
  return open(file, false);
}

describe('StateMachine.set', () => {
  it('a first value emits state_changed with old_state null, a second with the previous state', async () => {
    const { states, changes } = await open();
    expect(states.set(DIST, 42, { ts: 1_000 })).toBe('changed');
    const first = { entity_id: DIST, state: 42, attributes: {}, last_changed: 1_000, last_updated: 1_000 };
    expect(states.get(DIST)).toEqual(first);
    expect(changes()).toEqual([{ entity_id: DIST, old_state: null, new_state: first }]);

    expect(states.set(DIST, 43.5, { ts: 2_000, attributes: { rssi: -60 } })).toBe('changed');
    const second = { entity_id: DIST, state: 43.5, attributes: { rssi: -60 }, last_changed: 2_000, last_updated: 2_000 };
    expect(states.get(DIST)).toEqual(second);
    expect(changes()).toHaveLength(2);
    expect(changes()[1]).toEqual({ entity_id: DIST, old_state: first, new_state: second });
  });

  it('the same value and attributes is unchanged: no event, state untouched, but still recorded', async () => {
    const { states, changes, recorded } = await open();
    states.set(DIST, 42, { ts: 1_000, attributes: { a: [1, { b: 2 }] } });
    expect(states.set(DIST, 42, { ts: 2_000, attributes: { a: [1, { b: 2 }] } })).toBe('unchanged');
    expect(states.set(DIST, 42, { ts: 3_000 })).toBe('unchanged');
    expect(changes()).toHaveLength(1);
    expect(states.get(DIST)).toEqual({ entity_id: DIST, state: 42, attributes: { a: [1, { b: 2 }] }, last_changed: 1_000, last_updated: 1_000 });
    expect(recorded).toEqual([
      [1, 1_000, 42],
      [1, 2_000, 42],
      [1, 3_000, 42],
    ]);
  });

  it('an attributes-only change emits, keeps last_changed and moves last_updated', async () => {
    const { states, changes } = await open();
    states.set(DIST, 42, { ts: 1_000, attributes: { rssi: -60 } });
    expect(states.set(DIST, 42, { ts: 5_000, attributes: { rssi: -70 } })).toBe('changed');
    const now = { entity_id: DIST, state: 42, attributes: { rssi: -70 }, last_changed: 1_000, last_updated: 5_000 };
    expect(states.get(DIST)).toEqual(now);
    expect(changes()).toHaveLength(2);
    expect(changes()[1]!.old_state).toEqual({ entity_id: DIST, state: 42, attributes: { rssi: -60 }, last_changed: 1_000, last_updated: 1_000 });
    expect(changes()[1]!.new_state).toEqual(now);
  });

  it('a value without attributes keeps the current attributes', async () => {
    const { states } = await open();
    states.set(DIST, 1, { ts: 1_000, attributes: { rssi: -60 } });
    states.set(DIST, 2, { ts: 2_000 });
    expect(states.get(DIST)?.attributes).toEqual({ rssi: -60 });
  });

  it('an older measurement is stale: no event, state kept, but recorded', async () => {
    const { states, changes, recorded } = await open();
    states.set(DIST, 42, { ts: 5_000 });
    expect(states.set(DIST, 7, { ts: 4_999, attributes: { late: true } })).toBe('stale');
    expect(states.get(DIST)).toEqual({ entity_id: DIST, state: 42, attributes: {}, last_changed: 5_000, last_updated: 5_000 });
    expect(changes()).toHaveLength(1);
    expect(recorded).toEqual([
      [1, 5_000, 42],
      [1, 4_999, 7],
    ]);
  });

  it('a measurement at the same ts as the current one is not stale', async () => {
    const { states } = await open();
    states.set(DIST, 42, { ts: 5_000 });
    expect(states.set(DIST, 43, { ts: 5_000 })).toBe('changed');
    expect(states.get(DIST)?.state).toBe(43);
  });

  it('an older ts than the last attribute update is stale too', async () => {
    const { states } = await open();
    states.set(DIST, 42, { ts: 1_000 });
    states.set(DIST, 42, { ts: 3_000, attributes: { x: 1 } });
    expect(states.set(DIST, 50, { ts: 2_000 })).toBe('stale');
    expect(states.get(DIST)?.state).toBe(42);
  });

  it('records booleans as 1/0 under the entity integer id', async () => {
    const { states, recorded, changes } = await open();
    expect(states.set(DOOR, true, { ts: 1_000 })).toBe('changed');
    expect(states.set(DOOR, false, { ts: 2_000 })).toBe('changed');
    expect(states.set(DOOR, false, { ts: 3_000 })).toBe('unchanged');
    expect(recorded).toEqual([
      [2, 1_000, 1],
      [2, 2_000, 0],
      [2, 3_000, 0],
    ]);
    expect(changes().map((c) => c.new_state.state)).toEqual([true, false]);
  });

  it('does not record strings or null, but still holds them as state', async () => {
    const { states, recorded } = await open();
    expect(states.set(MODE, 'eco', { ts: 1_000 })).toBe('changed');
    expect(states.set(MODE, '12', { ts: 2_000 })).toBe('changed');
    expect(states.set(MODE, null, { ts: 3_000 })).toBe('changed');
    expect(recorded).toEqual([]);
    expect(states.get(MODE)?.state).toBeNull();
    states.set(DIST, 0, { ts: 6_000 });
    expect(recorded).toEqual([[1, 6_000, 0]]);
  });

  it('throws for an unknown entity without recording or emitting', async () => {
    const { states, recorded, events } = await open();
    expect(() => states.set('sensor.nope', 1, { ts: 1_000 })).toThrow('unknown entity "sensor.nope"');
    expect(recorded).toEqual([]);
    expect(events).toEqual([]);
    expect(states.get('sensor.nope')).toBeUndefined();
  });

  it('uses the current time when no ts is given', async () => {
    const { states, recorded } = await open();
    const before = Date.now();
    states.set(DIST, 5);
    const after = Date.now();
    const state = states.get(DIST)!;
    expect(state.last_changed).toBe(state.last_updated);
    expect(state.last_updated).toBeGreaterThanOrEqual(before);
    expect(state.last_updated).toBeLessThanOrEqual(after);
    expect(recorded).toEqual([[1, state.last_updated, 5]]);
  });

  it('all() is sorted by entity id', async () => {
    const { states } = await open();
    states.set(MODE, 'a', { ts: 1 });
    states.set(DIST, 1, { ts: 1 });
    states.set(DOOR, true, { ts: 1 });
    expect(states.all().map((s) => s.entity_id)).toEqual([DOOR, DIST, MODE]);
  });
});

describe('StateMachine persistence', () => {
  it('flush() writes the states and a new StateMachine on the same file loads them back', async () => {
    const { file, sqlite, db, states } = await open();
    states.set(DIST, 42.25, { ts: 1_000, attributes: { rssi: -60, tags: ['a'] } });
    states.set(DIST, 42.25, { ts: 2_000, attributes: { rssi: -61, tags: ['a'] } });
    states.set(DOOR, true, { ts: 1_500 });
    states.set(MODE, 'eco', { ts: 1_700 });
    expect(await db.selectFrom('states').selectAll().execute()).toEqual([]);
    await states.flush();
    const rows = await db.selectFrom('states').selectAll().orderBy('entity').execute();
    expect(rows).toEqual([
      { entity: 1, state: '42.25', attributes: '{"rssi":-61,"tags":["a"]}', last_changed: 1_000, last_updated: 2_000 },
      { entity: 2, state: 'true', attributes: '{}', last_changed: 1_500, last_updated: 1_500 },
      { entity: 3, state: '"eco"', attributes: '{}', last_changed: 1_700, last_updated: 1_700 },
    ]);
    const before = states.all();
    closeHandle(sqlite);

    const reopened = await open(file, false);
    expect(reopened.states.all()).toEqual(before);
    expect(reopened.states.get(DIST)).toEqual({
      entity_id: DIST,
      state: 42.25,
      attributes: { rssi: -61, tags: ['a'] },
      last_changed: 1_000,
      last_updated: 2_000,
    });
    expect(reopened.states.get(DOOR)?.state).toBe(true);
    expect(reopened.states.get(MODE)?.state).toBe('eco');
  });

  it('loaded states behave as current: repeats are unchanged, older ones stale, the next change has old_state', async () => {
    const reopened = await savedAndReopened((states) => states.set(DIST, 42, { ts: 5_000 }));
    expect(reopened.states.set(DIST, 42, { ts: 6_000 })).toBe('unchanged');
    expect(reopened.states.set(DIST, 1, { ts: 4_000 })).toBe('stale');
    expect(reopened.states.set(DIST, 43, { ts: 7_000 })).toBe('changed');
    expect(reopened.changes()).toEqual([
      {
        entity_id: DIST,
        old_state: { entity_id: DIST, state: 42, attributes: {}, last_changed: 5_000, last_updated: 5_000 },
        new_state: { entity_id: DIST, state: 43, attributes: {}, last_changed: 7_000, last_updated: 7_000 },
      },
    ]);
  });

  it('a later flush updates the stored row in place', async () => {
    const { db, states } = await open();
    states.set(DIST, 1, { ts: 1_000 });
    await states.flush();
    states.set(DIST, 2, { ts: 2_000 });
    await states.flush();
    await states.flush(); // nothing dirty: no-op
    const rows = await db.selectFrom('states').selectAll().execute();
    expect(rows).toEqual([{ entity: 1, state: '2', attributes: '{}', last_changed: 2_000, last_updated: 2_000 }]);
  });

  it('an unchanged or stale set leaves nothing to flush', async () => {
    const { db, states } = await open();
    states.set(DIST, 1, { ts: 1_000 });
    await states.flush();
    await db.deleteFrom('states').execute();
    states.set(DIST, 1, { ts: 2_000 });
    states.set(DIST, 9, { ts: 500 });
    await states.flush();
    expect(await db.selectFrom('states').selectAll().execute()).toEqual([]);
  });
});

describe('StateMachine after a crash: restore from the latest readings, and what must not wait for the timer', () => {
  const rows = async (db: Awaited<ReturnType<typeof open>>['db']) =>
    (await db.selectFrom('states').select(['entity', 'state', 'attributes', 'last_changed', 'last_updated']).orderBy('entity').execute()).map((r) => [r.entity, r.state, r.attributes, r.last_changed, r.last_updated]);

  it('flushUnrecoverable() writes only what no reading gives back (text, attributes), flush() the rest', async () => {
    const { db, states } = await open();
    states.set(DIST, 40, { ts: 1_000 }); // a number: the time series has it
    states.set(DOOR, true, { ts: 1_000 }); // on/off of a binary_sensor: 1 in the time series, read back as true
    states.set(MODE, 'eco', { ts: 1_000 }); // text: not in the time series
    await states.flushUnrecoverable();
    expect(await rows(db)).toEqual([[3, '"eco"', '{}', 1_000, 1_000]]);

    states.set(DIST, 41, { ts: 2_000, attributes: { rssi: -60 } }); // new attributes: not in the time series either
    states.set(DIST, 42, { ts: 3_000 }); // keeps those attributes: still to be written with them
    await states.flushUnrecoverable();
    expect(await rows(db)).toEqual([
      [1, '42', '{"rssi":-60}', 3_000, 3_000],
      [3, '"eco"', '{}', 1_000, 1_000],
    ]);
    await states.flushUnrecoverable(); // nothing left of that kind
    await states.flush();
    expect(await rows(db)).toEqual([
      [1, '42', '{"rssi":-60}', 3_000, 3_000],
      [2, 'true', '{}', 1_000, 1_000],
      [3, '"eco"', '{}', 1_000, 1_000],
    ]);
  });

  it('restore() brings stored states up to newer readings, as their kind reads them, and emits nothing', async () => {
    const reopened = await savedAndReopened((states) => {
      states.set(DIST, 40, { ts: 1_000, attributes: { rssi: -60 } });
      states.set(DOOR, false, { ts: 1_000 });
      states.set(MODE, 'eco', { ts: 5_000 });
    });
    const restored = reopened.states.restore([
      { entity: 1, ts: 2_000, value: 41.5 }, // newer: taken, attributes kept
      { entity: 2, ts: 3_000, value: 1 }, // a binary_sensor's 1 is true
      { entity: 3, ts: 4_000, value: 7 }, // older than the stored text: kept
      { entity: 99, ts: 9_000, value: 1 }, // no such entity (deleted): ignored
    ]);
    expect(restored).toBe(2);
    expect(reopened.states.get(DIST)).toEqual({ entity_id: DIST, state: 41.5, attributes: { rssi: -60 }, last_changed: 2_000, last_updated: 2_000 });
    expect(reopened.states.get(DOOR)).toEqual({ entity_id: DOOR, state: true, attributes: {}, last_changed: 3_000, last_updated: 3_000 });
    expect(reopened.states.get(MODE)?.state).toBe('eco');
    expect(reopened.events).toEqual([]);
    // Restored states are written on the next flush.
    await reopened.states.flush();
    expect(await rows(reopened.db)).toEqual([
      [1, '41.5', '{"rssi":-60}', 2_000, 2_000],
      [2, 'true', '{}', 3_000, 3_000],
      [3, '"eco"', '{}', 5_000, 5_000],
    ]);
  });

  it('restore() keeps last_changed when the reading repeats the stored value, and fills in states never stored', async () => {
    const reopened = await savedAndReopened((states) => states.set(DIST, 40, { ts: 1_000 }));
    expect(reopened.states.restore([{ entity: 1, ts: 2_000, value: 40 }, { entity: 2, ts: 2_500, value: 0 }])).toBe(2);
    expect(reopened.states.get(DIST)).toMatchObject({ state: 40, last_changed: 1_000, last_updated: 2_000 });
    expect(reopened.states.get(DOOR)).toEqual({ entity_id: DOOR, state: false, attributes: {}, last_changed: 2_500, last_updated: 2_500 });
    // Equal times: the stored state is as new as the reading.
    expect(reopened.states.restore([{ entity: 1, ts: 2_000, value: 99 }])).toBe(0);
  });

  it('what a reading gives back: numbers as numbers, 1/0 as on/off for on/off kinds only', () => {
    expect(stateFromReading('sensor', 1)).toBe(1);
    expect(stateFromReading('binary_sensor', 1)).toBe(true);
    expect(stateFromReading('switch', 0)).toBe(false);
    expect(stateFromReading('light', 2)).toBe(true);
    expect(isRecoverable('sensor', 21.5)).toBe(true);
    expect(isRecoverable('switch', true)).toBe(true);
    expect(isRecoverable('sensor', true)).toBe(false); // would come back as 1
    expect(isRecoverable('binary_sensor', 1)).toBe(false); // would come back as true
    expect(isRecoverable('sensor', 'eco')).toBe(false);
    expect(isRecoverable('sensor', null)).toBe(false);
  });
});

describe('StateMachine.set: change detection edge cases', () => {
  it('a caller reusing and mutating its attributes object still gets a change event', async () => {
    // set() keeps a copy: mutating the caller's object must not rewrite the current state.
    const { states, changes } = await open();
    const attributes: Record<string, unknown> = { rssi: -60 };
    states.set(DIST, 42, { ts: 1_000, attributes });
    attributes.rssi = -70;
    expect(states.get(DIST)?.attributes).toEqual({ rssi: -60 });
    expect(states.set(DIST, 42, { ts: 2_000, attributes })).toBe('changed');
    expect(changes()).toHaveLength(2);
    expect(changes()[1]!.old_state?.attributes).toEqual({ rssi: -60 });
    expect(changes()[1]!.new_state).toEqual({ entity_id: DIST, state: 42, attributes: { rssi: -70 }, last_changed: 1_000, last_updated: 2_000 });
  });

  it('refuses NaN and infinities (they never equal themselves and have no JSON form)', async () => {
    const { states, changes, recorded } = await open();
    expect(() => states.set(DIST, Number.NaN, { ts: 1_000 })).toThrow(`${DIST}: NaN is not a finite number`);
    expect(() => states.set(DIST, Number.POSITIVE_INFINITY, { ts: 2_000 })).toThrow('Infinity is not a finite number');
    expect(changes()).toHaveLength(0);
    expect(recorded).toEqual([]);
    expect(states.get(DIST)).toBeUndefined();
  });
});

describe('numericValue', () => {
  it('maps numbers, booleans and everything else', () => {
    expect(numericValue(3.5)).toBe(3.5);
    expect(numericValue(-0)).toBe(-0);
    expect(numericValue(true)).toBe(1);
    expect(numericValue(false)).toBe(0);
    expect(numericValue(Number.NaN)).toBeUndefined();
    expect(numericValue(Number.NEGATIVE_INFINITY)).toBeUndefined();
    expect(numericValue('3')).toBeUndefined();
    expect(numericValue(null)).toBeUndefined();
  });
});
