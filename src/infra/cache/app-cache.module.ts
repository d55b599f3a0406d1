import { CACHE_MANAGER, CacheModule, CacheModuleOptions } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import type { Cache, CacheManagerStore } from 'cache-manager';
import { KeyvAdapter } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import Keyv from 'keyv';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { CACHE_FILLS, CacheFills } from './cache-fills';
import { keyvDeserialize } from './keyv-json';

/** Default lifetime of a cached entry; writers refresh entries on every change, so this only bounds memory. */
export const DEFAULT_CACHE_TTL_MS = 60_000;
/** Keys live under `<REDIS_KEY_PREFIX>cache:` in Redis, apart from rate-limit counters. */
export const CACHE_NAMESPACE = 'cache';

/** One store, as `CacheModule` takes it. */
type CacheStore = Extract<NonNullable<CacheModuleOptions['stores']>, unknown[]>[number];

/**
 * The cache store over the shared client. `throwOnErrors` makes a failed write reject
 * (Keyv would otherwise swallow it), so a writer knows its entry did not land; a failed
 * read is a miss either way (cache-manager treats a store error on get as a miss). Reads
 * and writes are bounded by the client's command timeout and fail at once while Redis is
 * disconnected (no offline queue).
 */
export function redisCacheStore(client: RedisClient): CacheStore {
  // keyv ships separate CommonJS and ESM declarations, and @nestjs/cache-manager's types
  // reach the ESM ones; at run time every require of keyv loads the one CommonJS build.
  return redisKeyv(client) as unknown as CacheStore;
}

/** The Keyv instance over the shared client that backs the Redis cache store. */
export function redisKeyv(client: RedisClient): Keyv {
  // The store is written against cache-manager 5's `Store` type, which cache-manager 7 no
  // longer exports; KeyvAdapter uses only get/set/del/mget/mdel/reset, which it has.
  const store = redisInsStore(client, { ttl: DEFAULT_CACHE_TTL_MS }) as unknown as CacheManagerStore;
  return new Keyv({
    store: new KeyvAdapter(store),
    namespace: CACHE_NAMESPACE,
    throwOnErrors: true,
    // Keyv's own encoding, decoded without a JSON.parse reviver (see keyvDeserialize).
    deserialize: keyvDeserialize,
  });
}

/**
 * Fills as `SET … NX` on the cache's own Redis keys, encoded as the cache store encodes
 * them (Keyv's serialised `{ value, expires }`, which cache-manager-ioredis-yet stores as
 * a JSON string), so `CACHE_MANAGER` reads a filled entry like any other.
 */
export function redisCacheFills(client: RedisClient): CacheFills {
  const keyv = redisKeyv(client);
  const serialize = keyv.serialize ?? JSON.stringify;
  return {
    async addIfAbsent(key, value, ttlMs) {
      const encoded = await serialize({ value, expires: Date.now() + ttlMs });
      const answer = await client.set(`${CACHE_NAMESPACE}:${key}`, JSON.stringify(encoded), 'PX', ttlMs, 'NX');
      return answer === 'OK';
    },
  };
}

/**
 * In process memory there is one process: the in-flight tracking of CacheAside already
 * keeps a fill from landing after a write that overtook it, so a fill is a plain set.
 */
export function memoryCacheFills(cache: Cache): CacheFills {
  return {
    async addIfAbsent(key, value, ttlMs) {
      await cache.set(key, value, ttlMs);
      return true;
    },
  };
}

/**
 * The cache behind `CACHE_MANAGER` (cache-manager 7 over Keyv): in Redis when it is
 * configured, so every instance reads what any instance wrote; in process memory
 * otherwise (one node only). A cache is only ever a shortcut: callers fall through to
 * the database on a miss or error.
 */
@Global()
@Module({
  imports: [
    CacheModule.registerAsync({
      isGlobal: true,
      inject: [REDIS_CLIENT],
      useFactory: (client: RedisClient | null): CacheModuleOptions => ({
        ttl: DEFAULT_CACHE_TTL_MS,
        stores: client ? [redisCacheStore(client)] : undefined,
      }),
    }),
  ],
  providers: [
    {
      provide: CACHE_FILLS,
      inject: [REDIS_CLIENT, CACHE_MANAGER],
      useFactory: (client: RedisClient | null, cache: Cache): CacheFills =>
        client ? redisCacheFills(client) : memoryCacheFills(cache),
    },
  ],
  exports: [CACHE_FILLS],
})
export class AppCacheModule {}
