import { CacheModule } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';

/** Default lifetime of a cached entry; writers refresh entries on every change, so this only bounds memory. */
export const DEFAULT_CACHE_TTL_MS = 60_000;

/**
 * The process-wide cache behind `CACHE_MANAGER` (cache-manager 7 over Keyv). In-memory
 * for now; moving it to Redis is a store swap here, not a change in the services using it.
 * A cache is only ever a shortcut: callers fall through to the database on a miss or error.
 */
@Global()
@Module({
  imports: [CacheModule.register({ isGlobal: true, ttl: DEFAULT_CACHE_TTL_MS })],
})
export class AppCacheModule {}
