/** Injection token of the application's {@link CacheFills}. */
export const CACHE_FILLS = Symbol('CACHE_FILLS');

/**
 * How a cache-aside reader stores what it loaded: only where no entry is. A writer's
 * entry (a changed state, a revocation's tombstone) that lands while a reader is loading
 * must win over the reader's older value, whichever of the two reaches the store last.
 */
export interface CacheFills {
  /** Stores `value` under `key` unless an entry is there; `false` when one was. */
  addIfAbsent(key: string, value: object, ttlMs: number): Promise<boolean>;
}
