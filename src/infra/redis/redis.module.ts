import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { redisConfig, RedisConfig } from '@/config/configuration';
import { closeRedisClient, createRedisClient, RedisClient } from './redis-client.factory';
import { REDIS_CLIENT } from './redis.constants';

/**
 * Closes the shared client in the last shutdown phase, after the HTTP server has stopped
 * and in-flight requests (which may still count a rate limit or write a tombstone) are done.
 */
@Injectable()
export class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client) await closeRedisClient(this.client);
  }
}

/**
 * Provides REDIS_CLIENT once for the whole application: the throttler storage, the login
 * failure counters, the cache and the readiness check all share this connection. The
 * token resolves to `null` without REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS, and
 * each user then keeps its state in the process (one node only). Boot does not wait for
 * the connection: readiness reports `redis` down until it is up.
 */
@Global()
@Module({
  providers: [
    { provide: REDIS_CLIENT, inject: [redisConfig.KEY], useFactory: (cfg: RedisConfig) => createRedisClient(cfg) },
    RedisShutdown,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
