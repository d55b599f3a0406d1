import type { LoggerService } from '@nestjs/common';
import type { Cache } from 'cache-manager';

/**
 * Cache-aside over CACHE_MANAGER, shared by every cache of database state. The database
 * is the source of truth: a cache error is a miss, and a write that fails removes the key
 * so readers go to the database rather than keep a stale entry. Entries must be non-null
 * objects (wrap a `null` state), since `null`/`undefined` from the store mean "miss".
 */
export class CacheAside {
  constructor(
    private readonly cache: Cache,
    private readonly logger: Pick<LoggerService, 'warn'>,
  ) {}

  /**
   * The cached entry, or the loaded one, stored for `ttlMs`. A writer that committed while
   * this read the database has left a fresher entry: that one wins and is not overwritten.
   * `onLookup` learns whether the cache hit (for hit/miss metrics).
   */
  async read<T extends object>(
    key: string,
    load: () => Promise<T>,
    ttlMs: number,
    onLookup?: (hit: boolean) => void,
  ): Promise<T> {
    const cached = await this.get<T>(key);
    onLookup?.(cached !== undefined);
    return cached ?? this.fill(key, load, ttlMs);
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
  ): Promise<T[]> {
    const cached = await this.getMany<T>(keys);
    return Promise.all(
      keys.map((key, index) => {
        const entry = cached[index];
        onLookup?.(index, entry !== undefined);
        return entry !== undefined ? Promise.resolve(entry) : this.fill(key, () => load(index), ttlMs);
      }),
    );
  }

  /** Stores the state a writer has just committed, overwriting whatever a reader cached before. */
  async write<T extends object>(key: string, value: T, ttlMs: number): Promise<void> {
    try {
      await this.cache.set(key, value, ttlMs);
    } catch (error) {
      this.logger.warn({ err: error, key }, 'Cache write failed; dropping the entry so readers use the database');
      await this.cache.del(key).catch(() => undefined);
    }
  }

  /** Removes an entry; if that fails, it expires on its own. */
  async drop(key: string): Promise<void> {
    await this.cache.del(key).catch((error: unknown) => {
      this.logger.warn({ err: error, key }, 'Cache delete failed; the entry expires on its own');
    });
  }

  /** A miss: load, and store unless a writer committed a fresher entry meanwhile (that one wins). */
  private async fill<T extends object>(key: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
    const loaded = await load();
    const raced = await this.get<T>(key);
    if (raced !== undefined) return raced;
    await this.write(key, loaded, ttlMs);
    return loaded;
  }

  private async get<T>(key: string): Promise<T | undefined> {
    try {
      return (await this.cache.get<T>(key)) ?? undefined;
    } catch (error) {
      this.logger.warn({ err: error, key }, 'Cache read failed; using the database');
      return undefined;
    }
  }

  private async getMany<T>(keys: string[]): Promise<Array<T | undefined>> {
    try {
      const values = await this.cache.mget<T>(keys);
      return keys.map((_, index) => values[index] ?? undefined);
    } catch (error) {
      this.logger.warn({ err: error, keys }, 'Cache read failed; using the database');
      return keys.map(() => undefined);
    }
  }
}
