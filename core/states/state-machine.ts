import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { EventBus } from '../events/bus.ts';
import type { RegistryTables } from '../db/tables.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import { numericValue, type State, type StateValue } from './state.ts';

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
 */
export class StateMachine {
  private readonly states = new Map<string, State>();
  private readonly dirty = new Set<string>();

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
    if (!valueChanged && isDeepStrictEqual(old.attributes, attributes)) return 'unchanged';

    const next: State = {
      entity_id: entityId,
      state: value,
      attributes,
      last_changed: valueChanged ? ts : old.last_changed,
      last_updated: ts,
    };
    this.states.set(entityId, next);
    this.dirty.add(entityId);
    this.bus.emit('state_changed', { entity_id: entityId, old_state: old ?? null, new_state: next });
    return 'changed';
  }

  /** Drops states of deleted entities from memory (the database cascade removed their rows). */
  forget(entityIds: string[]): void {
    for (const id of entityIds) {
      this.states.delete(id);
      this.dirty.delete(id);
    }
  }

  /** Writes every state changed since the last flush in one transaction. */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    const rows = ids.flatMap((entityId) => {
      const state = this.states.get(entityId);
      const entity = this.entities.get(entityId);
      if (!state || !entity) return [];
      return [
        {
          entity: entity.id,
          state: JSON.stringify(state.state),
          attributes: JSON.stringify(state.attributes),
          last_changed: state.last_changed,
          last_updated: state.last_updated,
        },
      ];
    });
    if (rows.length === 0) return;
    // Multi-row upserts: one statement per 500 states, not one per state, so a
    // thousand changed sensors cost a few milliseconds of the event loop.
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) {
        await tx
          .insertInto('states')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) =>
            oc.column('entity').doUpdateSet((eb) => ({
              state: eb.ref('excluded.state'),
              attributes: eb.ref('excluded.attributes'),
              last_changed: eb.ref('excluded.last_changed'),
              last_updated: eb.ref('excluded.last_updated'),
            })),
          )
          .execute();
      }
    });
  }
}
