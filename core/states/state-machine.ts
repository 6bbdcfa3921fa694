import { isDeepStrictEqual } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { EventBus } from '../events/bus.ts';
import type { RegistryTables } from '../db/tables.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { Reading } from '../store/timeseries.ts';
import { isRecoverable, numericValue, stateFromReading, type State, type StateValue } from './state.ts';

export type Recorder = (entity: number, ts: number, value: number) => void;

export interface SetStateOptions {
  attributes?: Record<string, unknown>;
  /** When the value was measured (ms epoch); defaults to now. */
  ts?: number;
}

/** What `set` did: a real change, a repeat of the current state, or an older measurement than the one shown. */
export type SetResult = 'changed' | 'unchanged' | 'stale';

/**
 * Current state of every entity. Every numeric (or boolean) measurement goes
 * to the recorder, even a repeat or a late one, because the time series wants
 * all of them; `state_changed` fires only when value or attributes really
 * change, and a measurement older than the current state never replaces it
 * (a device flushing its offline queue must not turn the clock back).
 *
 * The stored states trail the time series: a numeric or on/off state is
 * written on the next timer flush, and after a crash `restore` brings it up
 * to the latest committed reading. What no reading can give back (text,
 * attributes) is `unrecoverable` until written, and a commit that promises
 * durability (a QoS 1 acknowledgement) writes it with `flushUnrecoverable`.
 */
export class StateMachine {
  private readonly states = new Map<string, State>();
  /** changed since the last write */
  private readonly dirty = new Set<string>();
  /** the part of `dirty` that a crash would lose: no reading can restore it */
  private readonly unrecoverable = new Set<string>();

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly entities: EntityRegistry,
    private readonly bus: EventBus,
    private readonly record: Recorder,
  ) {}

  async load(): Promise<void> {
    const rows = await this.db
      .selectFrom('states')
      .innerJoin('entities', 'entities.id', 'states.entity')
      .select(['entities.entity_id', 'state', 'attributes', 'last_changed', 'last_updated'])
      .execute();
    for (const row of rows) {
      this.states.set(row.entity_id, {
        entity_id: row.entity_id,
        state: JSON.parse(row.state) as StateValue,
        attributes: JSON.parse(row.attributes) as Record<string, unknown>,
        last_changed: row.last_changed,
        last_updated: row.last_updated,
      });
    }
  }

  get(entityId: string): State | undefined {
    return this.states.get(entityId);
  }

  all(): State[] {
    return [...this.states.values()].sort((a, b) => a.entity_id.localeCompare(b.entity_id));
  }

  set(entityId: string, value: StateValue, options: SetStateOptions = {}): SetResult {
    const entity = this.entities.get(entityId);
    if (!entity) throw new Error(`unknown entity "${entityId}"`);
    // NaN and infinities have no JSON form and never equal themselves: not a state.
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${entityId}: ${value} is not a finite number`);
    const ts = options.ts ?? Date.now();
    const measured = numericValue(value);
    if (measured !== undefined) this.record(entity.id, ts, measured);

    const old = this.states.get(entityId);
    if (old && ts < old.last_updated) return 'stale';
    // A copy, so a caller reusing its object cannot change the state behind our back.
    const attributes = options.attributes ? structuredClone(options.attributes) : (old?.attributes ?? {});
    const valueChanged = !old || old.state !== value;
    // Without new attributes they are the old ones: nothing to compare on every reading.
    const attributesChanged = options.attributes !== undefined && (old ? !isDeepStrictEqual(old.attributes, attributes) : Object.keys(attributes).length > 0);
    if (!valueChanged && !attributesChanged) return 'unchanged';

    const next: State = {
      entity_id: entityId,
      state: value,
      attributes,
      last_changed: valueChanged ? ts : old.last_changed,
      last_updated: ts,
    };
    this.states.set(entityId, next);
    this.dirty.add(entityId);
    if (attributesChanged || !isRecoverable(entity.kind, value)) this.unrecoverable.add(entityId);
    this.bus.emit('state_changed', { entity_id: entityId, old_state: old ?? null, new_state: next });
    return 'changed';
  }

  /** Drops states of deleted entities from memory (the database cascade removed their rows). */
  forget(entityIds: string[]): void {
    for (const id of entityIds) {
      this.states.delete(id);
      this.dirty.delete(id);
      this.unrecoverable.delete(id);
    }
  }

  /**
   * After a crash: states older than their entity's latest committed reading
   * take its value (attributes stay; last_changed moves only when the value
   * differs from the stored one). Emits nothing: this is loading, not a change.
   */
  restore(latest: Iterable<Reading>): number {
    const byId = new Map(this.entities.list().map((e) => [e.id, e]));
    let restored = 0;
    for (const reading of latest) {
      const entity = byId.get(reading.entity);
      if (!entity) continue;
      const stored = this.states.get(entity.entity_id);
      if (stored && stored.last_updated >= reading.ts) continue;
      const value = stateFromReading(entity.kind, reading.value);
      this.states.set(entity.entity_id, {
        entity_id: entity.entity_id,
        state: value,
        attributes: stored?.attributes ?? {},
        last_changed: stored && stored.state === value ? stored.last_changed : reading.ts,
        last_updated: reading.ts,
      });
      this.dirty.add(entity.entity_id);
      restored++;
    }
    return restored;
  }

  /** Writes every state changed since the last write. */
  async flush(): Promise<void> {
    this.unrecoverable.clear();
    await this.write(this.dirty);
  }

  /** Writes the changed states that no reading could restore after a crash; none, usually, so no SQL at all. */
  async flushUnrecoverable(): Promise<void> {
    for (const id of this.unrecoverable) this.dirty.delete(id);
    await this.write(this.unrecoverable);
  }

  /**
   * Writes these states (and empties the set) in one statement: the rows go
   * as one JSON parameter read back by `json_each`, so a thousand changed
   * sensors cost one short SQL text rather than a query built per row.
   */
  private async write(entityIds: Set<string>): Promise<void> {
    if (entityIds.size === 0) return;
    const rows: Array<[number, string, string, number, number]> = [];
    for (const entityId of entityIds) {
      const state = this.states.get(entityId);
      const entity = this.entities.get(entityId);
      if (state && entity) rows.push([entity.id, JSON.stringify(state.state), JSON.stringify(state.attributes), state.last_changed, state.last_updated]);
    }
    entityIds.clear();
    if (rows.length === 0) return;
    // `WHERE true`: SQLite's grammar needs it to tell the upsert's ON from a join's.
    await sql`
      INSERT INTO states (entity, state, attributes, last_changed, last_updated)
      SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(${JSON.stringify(rows)}) WHERE true
      ON CONFLICT (entity) DO UPDATE SET
        state = excluded.state, attributes = excluded.attributes, last_changed = excluded.last_changed, last_updated = excluded.last_updated
    `.execute(this.db);
  }
}
