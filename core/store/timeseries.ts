/**
 * The contract every time-series backend (SQLite by default, QuestDB at scale)
 * fulfils. Entities are identified by the registry's compact integer key and
 * times are ms since the epoch.
 */
export interface Reading {
  entity: number;
  ts: number;
  value: number;
}

export interface RangeQuery {
  entity: number;
  /** inclusive, ms epoch */
  from: number;
  /** inclusive, ms epoch */
  to: number;
  /** at most this many points; the rest is reported as truncated */
  limit: number;
}

export interface RawHistory {
  resolution: 'raw';
  points: Array<{ ts: number; value: number }>;
  truncated: boolean;
}

export interface StoreHealth {
  backend: string;
  status: 'ok' | 'error';
  /** readings accepted but not yet committed */
  pending: number;
  written: number;
  error?: string;
}

export interface TimeSeriesStore {
  /** Queues a reading; never blocks the caller. Committed within a second. */
  append(reading: Reading): void;
  /** Commits everything queued so far. */
  flush(): Promise<void>;
  history(query: RangeQuery): Promise<RawHistory>;
  health(): StoreHealth;
  /** Flushes and closes. */
  close(): Promise<void>;
}
