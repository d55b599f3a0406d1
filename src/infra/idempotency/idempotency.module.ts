import { Global, Module } from '@nestjs/common';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_STORE, IdempotencyStore } from './idempotency.store';
import { MemoryIdempotencyStore } from './memory-idempotency.store';
import { RedisIdempotencyStore } from './redis-idempotency.store';

/**
 * The store of Idempotency-Key answers: in Redis when it is configured, so a retry that
 * lands on another instance is answered the same; in process memory otherwise (one node).
 * Global, so any feature's route can be `@Idempotent()` without importing it.
 */
@Global()
@Module({
  providers: [
    {
      provide: IDEMPOTENCY_STORE,
      inject: [REDIS_CLIENT],
      useFactory: (client: RedisClient | null): IdempotencyStore =>
        client ? new RedisIdempotencyStore(client) : new MemoryIdempotencyStore(),
    },
    IdempotencyInterceptor,
  ],
  exports: [IDEMPOTENCY_STORE, IdempotencyInterceptor],
})
export class IdempotencyModule {}
