import { CacheModule, CacheModuleOptions } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import { CacheManagerStore, KeyvAdapter } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import Keyv from 'keyv';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';

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
  // The store is written against cache-manager 5's `Store` type, which cache-manager 7 no
  // longer exports; KeyvAdapter uses only get/set/del/mget/mdel/reset, which it has.
  const store = redisInsStore(client, { ttl: DEFAULT_CACHE_TTL_MS }) as unknown as CacheManagerStore;
  const keyv = new Keyv({
    store: new KeyvAdapter(store),
    namespace: CACHE_NAMESPACE,
    throwOnErrors: true,
  });
  // keyv ships separate CommonJS and ESM declarations, and @nestjs/cache-manager's types
  // reach the ESM ones; at run time every require of keyv loads the one CommonJS build.
  return keyv as unknown as CacheStore;
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
})
export class AppCacheModule {}
