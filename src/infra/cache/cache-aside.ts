import type { LoggerService } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { CacheFills } from './cache-fills';

/** A reader's fill in flight; a write to its key meanwhile marks it overtaken. */
interface Fill {
  overtaken: boolean;
}

/**
 * Cache-aside over CACHE_MANAGER, shared by every cache of database state. The database
 * is the source of truth: a cache error is a miss, and a write that fails removes the key
 * so readers go to the database rather than keep a stale entry. Entries must be non-null
 * objects (wrap a `null` state), since `null`/`undefined` from the store mean "miss".
 *
 * A reader's fill can never overwrite what a writer stored, whatever the interleaving:
 * fills go through {@link CacheFills.addIfAbsent} (`SET NX` on Redis), and a write in this
 * process while a fill is loading cancels that fill outright. Writers therefore overwrite
 * (a tombstone for a revocation) rather than delete wherever a reader could race them.
 */
export class CacheAside {
  private readonly fills = new Map<string, Set<Fill>>();

  constructor(
    private readonly cache: Cache,
    private readonly fillStore: CacheFills,
    private readonly logger: Pick<LoggerService, 'warn'>,
  ) {}

  /**
   * The cached entry, or the loaded one, stored for `ttlMs`. A writer that committed while
   * this read the database has left a fresher entry: that one wins and is not overwritten.
   * `onLookup` learns whether the cache hit (for hit/miss metrics). `cached` is the cache's
   * answer when the caller already asked for it ({@link lookupMany}), so a miss costs no
   * second lookup.
   */
  async read<T extends object>(
    key: string,
    load: () => Promise<T>,
    ttlMs: number,
    onLookup?: (hit: boolean) => void,
    cached: Promise<T | undefined> = this.get<T>(key),
  ): Promise<T> {
    const entry = await cached;
    onLookup?.(entry !== undefined);
    return entry ?? this.fill(key, load, ttlMs);
  }

  /**
   * {@link read} for several entries at once: one cache round trip (MGET on Redis) for all
   * of them, then a load and fill for each one that missed. `onLookup` gets the key's index.
   */
  async readMany<T extends object>(
    keys: string[],
    load: (index: number) => Promise<T>,
    ttlMs: number,
    onLookup?: (index: number, hit: boolean) => void,
    cached: Promise<Array<T | undefined>> = this.lookupMany<T>(keys),
  ): Promise<T[]> {
    const entries = await cached;
    return Promise.all(
      keys.map((key, index) => {
        const entry = entries[index];
        onLookup?.(index, entry !== undefined);
        return entry !== undefined ? Promise.resolve(entry) : this.fill(key, () => load(index), ttlMs);
      }),
    );
  }

  /**
   * The cache's answer for each key (`undefined` for a miss), in one round trip, with no
   * load and no fill: for a caller that must ask early, before it may touch the database
   * (an auth check started alongside the rate-limit check), and passes the answers to {@link read}/{@link readMany} later.
   * A cache error is a miss for every key; this never rejects.
   */
  async lookupMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    try {
      const values = await this.cache.mget<T>(keys);
      return keys.map((_, index) => values[index] ?? undefined);
    } catch (error) {
      this.logger.warn({ err: error, keys }, 'Cache read failed; using the database');
      return keys.map(() => undefined);
    }
  }

  /** Stores the state a writer has just committed, overwriting whatever a reader cached before. */
  async write<T extends object>(key: string, value: T, ttlMs: number): Promise<void> {
    this.overtake(key);
    try {
      await this.cache.set(key, value, ttlMs);
    } catch (error) {
      this.logger.warn({ err: error, key }, 'Cache write failed; dropping the entry so readers use the database');
      await this.cache.del(key).catch(() => undefined);
    }
  }

  /** Removes an entry; if that fails, it expires on its own. */
  async drop(key: string): Promise<void> {
    this.overtake(key);
    await this.cache.del(key).catch((error: unknown) => {
      this.logger.warn({ err: error, key }, 'Cache delete failed; the entry expires on its own');
    });
  }

  /**
   * A miss: load, and store only where no entry is. When a writer got there first (here or
   * on another instance), its entry is the fresher state and is what this read answers.
   */
  private async fill<T extends object>(key: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
    const fill: Fill = { overtaken: false };
    const inFlight = this.fills.get(key) ?? new Set<Fill>();
    this.fills.set(key, inFlight.add(fill));
    try {
      const loaded = await load();
      if (!fill.overtaken && (await this.addIfAbsent(key, loaded, ttlMs))) return loaded;
      return (await this.get<T>(key)) ?? loaded;
    } finally {
      inFlight.delete(fill);
      if (inFlight.size === 0 && this.fills.get(key) === inFlight) this.fills.delete(key);
    }
  }

  /** Whether the fill was stored; a store error leaves the key as it was (a miss next time). */
  private async addIfAbsent(key: string, value: object, ttlMs: number): Promise<boolean> {
    try {
      return await this.fillStore.addIfAbsent(key, value, ttlMs);
    } catch (error) {
      this.logger.warn({ err: error, key }, 'Cache fill failed; the next read uses the database again');
      return false;
    }
  }

  private overtake(key: string): void {
    for (const fill of this.fills.get(key) ?? []) fill.overtaken = true;
  }

  private async get<T>(key: string): Promise<T | undefined> {
    try {
      return (await this.cache.get<T>(key)) ?? undefined;
    } catch (error) {
      this.logger.warn({ err: error, key }, 'Cache read failed; using the database');
      return undefined;
    }
  }
}
