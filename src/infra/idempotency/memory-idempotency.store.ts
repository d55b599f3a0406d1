import type { IdempotencyEntry, IdempotencyStore, Reservation } from './idempotency.store';

interface Stored {
  entry: IdempotencyEntry;
  expiresAt: number;
}

export interface MemoryStoreLimits {
  /** Entries held at most: past it the oldest stored answers go first, before their ttl. */
  maxEntries: number;
  /** Expired entries are swept once the store holds this many, and then each time it has doubled since. */
  sweepFrom: number;
}

/** Answers of up to a few kB each: a spray of keys costs at most some hundred MB. */
const LIMITS: MemoryStoreLimits = { maxEntries: 50_000, sweepFrom: 1_000 };

/**
 * The store of a single instance without Redis: one synchronous step per operation, so
 * atomic in the process. Entries are in insertion order, an answer moved to the end when
 * it is stored, so the first answers in the map are the oldest.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Stored>();
  private sweepAt: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits: MemoryStoreLimits = LIMITS,
  ) {
    this.sweepAt = limits.sweepFrom;
  }

  reserve(key: string, fingerprint: string, holder: string, lockMs: number): Promise<Reservation> {
    const found = this.live(key);
    if (found) {
      return Promise.resolve(found.state === 'done' ? found : { state: 'running', fingerprint: found.fingerprint });
    }
    this.entries.set(key, { entry: { state: 'running', fingerprint, holder }, expiresAt: this.now() + lockMs });
    // Only after the map doubled: a full sweep on every reserve would cost O(n) each once it is large.
    if (this.entries.size > this.sweepAt) this.sweep();
    if (this.entries.size > this.limits.maxEntries) this.evictOldest();
    return Promise.resolve({ state: 'reserved' });
  }

  complete(key: string, fingerprint: string, holder: string, sealed: string, ttlMs: number): Promise<boolean> {
    if (!this.holds(key, holder)) return Promise.resolve(false);
    this.entries.delete(key);
    this.entries.set(key, { entry: { state: 'done', fingerprint, sealed }, expiresAt: this.now() + ttlMs });
    return Promise.resolve(true);
  }

  release(key: string, _fingerprint: string, holder: string): Promise<void> {
    if (this.holds(key, holder)) this.entries.delete(key);
    return Promise.resolve();
  }

  discard(key: string, fingerprint: string, sealed: string): Promise<void> {
    const entry = this.live(key);
    if (entry?.state === 'done' && entry.fingerprint === fingerprint && entry.sealed === sealed) {
      this.entries.delete(key);
    }
    return Promise.resolve();
  }

  private holds(key: string, holder: string): boolean {
    const entry = this.live(key);
    return entry?.state === 'running' && entry.holder === holder;
  }

  private live(key: string): IdempotencyEntry | undefined {
    const stored = this.entries.get(key);
    if (stored && stored.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return stored?.entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, stored] of this.entries) if (stored.expiresAt <= now) this.entries.delete(key);
    this.sweepAt = Math.max(this.limits.sweepFrom, 2 * this.entries.size);
  }

  /** Drops the oldest stored answers (and any expired entry on the way) down to the cap; a running request keeps its key. */
  private evictOldest(): void {
    const now = this.now();
    for (const [key, stored] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries) return;
      if (stored.entry.state === 'done' || stored.expiresAt <= now) this.entries.delete(key);
    }
  }
}
