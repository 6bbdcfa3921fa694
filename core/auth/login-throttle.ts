export interface ThrottleLimits {
  /** failures within `windowMs` after which a key is locked */
  maxFailures: number;
  windowMs: number;
  /** the first lock; each further failure within the window doubles it, up to `maxLockMs` */
  firstLockMs: number;
  maxLockMs: number;
  /** keys remembered at most, so a flood of made-up names cannot exhaust memory */
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { maxFailures: 5, windowMs: 15 * 60_000, firstLockMs: 30_000, maxLockMs: 15 * 60_000, maxKeys: 10_000 };

interface KeyState {
  failures: number[];
  lockedUntil: number;
}

/**
 * Slows down password guessing. Failed logins are counted per key (the
 * username and the client address are two keys of one attempt); after
 * `maxFailures` within the window the key is locked, for 30 s, then 1, 2, 4 …
 * minutes up to 15 as failures go on. A successful login clears its keys.
 * Unknown usernames are counted like known ones, so a lock says nothing about
 * whether a user exists. Kept in memory: a restart forgives.
 */
export class LoginThrottle {
  private readonly records = new Map<string, KeyState>();

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
  ) {}

  /** Milliseconds until any of the keys may try again; 0 when all may now. */
  retryAfterMs(keys: string[]): number {
    const now = this.clock();
    return Math.max(0, ...keys.map((key) => (this.records.get(key)?.lockedUntil ?? 0) - now));
  }

  fail(keys: string[]): void {
    const now = this.clock();
    for (const key of keys) {
      const record = this.records.get(key) ?? { failures: [], lockedUntil: 0 };
      record.failures = record.failures.filter((at) => at > now - this.limits.windowMs);
      record.failures.push(now);
      const beyond = record.failures.length - this.limits.maxFailures;
      if (beyond >= 0) record.lockedUntil = now + Math.min(this.limits.maxLockMs, this.limits.firstLockMs * 2 ** beyond);
      this.records.delete(key); // re-inserted last: the map stays ordered by latest failure
      this.records.set(key, record);
    }
    this.forgetOld(now);
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.records.delete(key);
  }

  private forgetOld(now: number): void {
    if (this.records.size <= this.limits.maxKeys) return;
    for (const [key, record] of this.records) {
      const stale = record.lockedUntil <= now && record.failures.every((at) => at <= now - this.limits.windowMs);
      if (stale || this.records.size > this.limits.maxKeys) this.records.delete(key);
      if (this.records.size <= this.limits.maxKeys / 2) return;
    }
  }
}
