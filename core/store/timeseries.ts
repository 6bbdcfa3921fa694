/**
 * The contract every time-series backend (SQLite by default, QuestDB at scale)
 * fulfils, checked by the same contract tests (test/store/contract.ts).
 * Entities are identified by the registry's compact integer key; times are
 * ms since the epoch; ranges are inclusive at both ends.
 */
export interface Reading {
  entity: number;
  ts: number;
  value: number;
}

/** Where a history answer came from: raw readings, or 1-minute / 1-hour rollups. */
export type Resolution = 'raw' | '1m' | '1h';

export const ROLLUP_MS = { '1m': 60_000, '1h': 3_600_000 } as const;

export interface HistoryQuery {
  entity: number;
  from: number;
  to: number;
  /**
   * At most this many points. The store picks the coarsest source that still
   * gives a bucket no wider than (to - from) / (points - 1): raw readings
   * below one minute, 1-minute rollups below one hour, else 1-hour rollups;
   * the bucket width is that rounded up to a whole second / minute / hour.
   * When the raw readings in range number no more than `points`, they are
   * returned as they are (step null).
   */
  points: number;
  /** An explicit bucket width in ms instead (a multiple of 1 s); the source is picked the same way. */
  step?: number;
}

/** One bucket; `ts` is its start, aligned to a multiple of the step since the epoch. */
export interface Bucket {
  ts: number;
  min: number;
  max: number;
  mean: number;
  count: number;
  /** the value of the latest reading in the bucket */
  last: number;
}

/**
 * What every backend's `history` also guarantees (the contract tests check it):
 * - the answer holds every epoch-aligned bucket that overlaps [from, to], so the
 *   first and last may include readings just outside it; empty buckets are left out;
 * - when the chosen source was purged before the first bucket, the next coarser
 *   one answers; raw readings are returned as they are only if none in range were purged;
 * - deciding whether raw readings fit in `points` reads at most points + 1 of them.
 * And `hourlyIncrease`: a reading older than the entity's latest adds nothing and is
 * not taken for a meter reset; `purge` deletes a rollup bucket only once all of it is
 * older than the cut-off.
 */
export interface History {
  resolution: Resolution;
  /** bucket width in ms; null when the points are the raw readings themselves (then min = max = mean = last, count = 1) */
  step: number | null;
  points: Bucket[];
}

/** Positive change of a `total_increasing` counter within one hour; a drop is a meter reset (counted from 0). */
export interface HourlyIncrease {
  ts: number;
  increase: number;
}

export interface RetentionPolicy {
  /** delete raw readings older than this (ms epoch) */
  rawBefore: number;
  /** delete 1-minute rollups older than this */
  minuteBefore: number;
  /** delete 1-hour rollups older than this; null keeps them forever */
  hourBefore: number | null;
  /** per-entity cut-offs that replace the ones above for that entity */
  overrides: Map<number, { rawBefore?: number; minuteBefore?: number; hourBefore?: number | null }>;
}

export interface PurgeResult {
  deleted: { raw: number; minute: number; hour: number };
  /** the longest single blocking step of the purge, in ms */
  longestPauseMs: number;
}

export interface StoreHealth {
  backend: 'sqlite' | 'questdb';
  status: 'ok' | 'error';
  /** readings accepted but not yet committed */
  pending: number;
  written: number;
  error?: string;
}

export interface TimeSeriesStore {
  /** Queues a reading; never blocks the caller. Committed (rollups too) within a second. */
  append(reading: Reading): void;
  /** Commits everything queued so far. */
  flush(): Promise<void>;
  /**
   * Makes everything queued so far survive the process's death (kill -9),
   * without waiting for a commit where the backend allows: SQLite journals
   * it (committed at the next open if need be), QuestDB commits it.
   */
  sync(): Promise<void>;
  history(query: HistoryQuery): Promise<History>;
  /** Each entity's latest reading by time (what is queued is committed first): what the states are brought up to after a crash. */
  latest(): Promise<Reading[]>;
  /** Hourly increases of a counter, for hours starting in [from, to]. */
  hourlyIncrease(entity: number, from: number, to: number): Promise<HourlyIncrease[]>;
  /** Deletes what the policy says is too old, in small steps that let ingest go on between them. */
  purge(policy: RetentionPolicy): Promise<PurgeResult>;
  health(): StoreHealth;
  /** Flushes and closes. */
  close(): Promise<void>;
}
