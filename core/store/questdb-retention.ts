import type { Horizons } from './sqlite-history.ts';
import { countBeforeSql, dropPartitionsSql, insertHorizonsSql, purgeCountSql, tsParam, type EntityFilter } from './questdb-sql.ts';
import { ROLLUP_MS, type PurgeResult, type Resolution, type RetentionPolicy } from './timeseries.ts';

/**
 * Retention on a database without row DELETE. QuestDB can only drop whole day
 * partitions, which hold every entity, and every tier is computed from those
 * same raw rows. So a purge is logical first: per entity and per tier it moves
 * a horizon (as the SQLite store's `series` table does), and reads leave out
 * what lies before it, exactly where SQLite would have deleted. Rows are freed
 * on disk only once a whole day is behind every horizon of every entity;
 * until then they take space but are never answered. Overrides can thus keep
 * data shorter or longer, but the disk follows the longest-kept tier, and
 * a tier kept forever (hour_days unset, the default) keeps every raw row.
 */

/** Horizons of entities without a row of their own. Readings' entities are never negative. */
export const GLOBAL = -1;
export const NO_HORIZONS: Horizons = { raw: 0, '1m': 0, '1h': 0 };
const TIERS = ['raw', '1m', '1h'] as const satisfies readonly Resolution[];
const DELETED_KEY = { raw: 'raw', '1m': 'minute', '1h': 'hour' } as const;
const DAY_MS = 86_400_000;

/** GLOBAL plus every entity that has (or had) an override. */
export type HorizonMap = Map<number, Horizons>;

export function horizonsOf(map: HorizonMap, entity: number): Horizons {
  return map.get(entity) ?? map.get(GLOBAL) ?? NO_HORIZONS;
}

/** The first time a tier still answers: rollup buckets go whole, so their cut-off floors to the bucket. */
export function visibleFrom(tier: Resolution, h: Horizons): number {
  return tier === 'raw' ? h.raw : h[tier] - (h[tier] % ROLLUP_MS[tier]);
}

type Cutoffs = Record<Resolution, number | null>;

/** Horizons only move forward: what was purged stays purged; null (keep forever) leaves a tier as it is. */
function advance(h: Horizons, cut: Cutoffs): Horizons {
  const next = { ...h };
  for (const t of TIERS) next[t] = cut[t] === null ? h[t] : Math.max(h[t], cut[t]);
  return next;
}

export function advanceHorizons(old: HorizonMap, policy: RetentionPolicy): HorizonMap {
  const oldGlobal = horizonsOf(old, GLOBAL);
  const next: HorizonMap = new Map([[GLOBAL, advance(oldGlobal, { raw: policy.rawBefore, '1m': policy.minuteBefore, '1h': policy.hourBefore })]]);
  for (const entity of new Set([...old.keys(), ...policy.overrides.keys()])) {
    if (entity === GLOBAL) continue;
    const o = policy.overrides.get(entity);
    next.set(
      entity,
      advance(old.get(entity) ?? oldGlobal, {
        raw: o?.rawBefore ?? policy.rawBefore,
        '1m': o?.minuteBefore ?? policy.minuteBefore,
        // An override's null means "forever" for that entity, not "use the global one".
        '1h': o?.hourBefore !== undefined ? o.hourBefore : policy.hourBefore,
      }),
    );
  }
  return next;
}

/** The UTC day before which no horizon needs a row: partitions before it can go. */
export function physicalCutoff(map: HorizonMap): number {
  const all = map.size > 0 ? [...map.values()] : [NO_HORIZONS];
  const oldest = Math.min(...all.flatMap((h) => TIERS.map((t) => visibleFrom(t, h))));
  return oldest - (oldest % DAY_MS);
}

export interface PurgeContext {
  table: string;
  query<R extends object>(sql: string, params?: unknown[]): Promise<R[]>;
  /** times one statement for PurgeResult.longestPauseMs */
  timed<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Counts what the new horizons hide (rows for raw, rollup buckets with data
 * for 1m and 1h, as SQLite would delete them), stores the horizons, then drops
 * the partitions no horizon needs. Entities without a row share one count per tier.
 */
export async function purgeWithHorizons(ctx: PurgeContext, old: HorizonMap, policy: RetentionPolicy): Promise<{ deleted: PurgeResult['deleted']; horizons: HorizonMap }> {
  const next = advanceHorizons(old, policy);
  const deleted = { raw: 0, minute: 0, hour: 0 };
  const own = [...next.keys()].filter((e) => e !== GLOBAL);
  const groups: Array<{ filter: EntityFilter; before: Horizons; after: Horizons }> = [
    { filter: { except: own }, before: horizonsOf(old, GLOBAL), after: horizonsOf(next, GLOBAL) },
    ...own.map((entity) => ({ filter: { only: entity }, before: horizonsOf(old, entity), after: horizonsOf(next, entity) })),
  ];
  for (const { filter, before, after } of groups) {
    for (const tier of TIERS) {
      const [from, to] = [visibleFrom(tier, before), visibleFrom(tier, after)];
      if (from >= to) continue;
      const { sql, params } = purgeCountSql(ctx.table, tier, filter, from, to);
      const [row] = await ctx.timed(() => ctx.query<{ n: string }>(sql, params));
      deleted[DELETED_KEY[tier]] += Number(row?.n ?? 0);
    }
  }
  const rows = [...next].map(([entity, h]) => [entity, h.raw, h['1m'], h['1h']] as const);
  await ctx.timed(() => ctx.query(insertHorizonsSql(ctx.table, rows.length), rows.flatMap((r) => [...r, tsParam(0)])));

  const cutoff = physicalCutoff(next);
  if (cutoff > 0) {
    const [count] = await ctx.timed(() => ctx.query<{ n: string }>(countBeforeSql(ctx.table, cutoff)));
    if (Number(count?.n ?? 0) > 0) await ctx.timed(() => ctx.query(dropPartitionsSql(ctx.table, cutoff)));
  }
  return { deleted, horizons: next };
}
