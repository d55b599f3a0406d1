import { HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Cluster } from 'ioredis';
import { ProblemException } from '@/common/http/problem';
import type { AppMetrics } from '@/modules/metrics/app-metrics.service';
import type { RedisClient } from './redis-client.factory';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** At most one warning per this interval: an outage must not turn every request into a log line. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The request budget counted in Redis, so N instances share one budget per client. The
 * counting itself is `@nest-lab/throttler-storage-redis` (one atomic Lua script per hit on
 * two keys that share a hash tag, so it also runs on a Redis Cluster). ioredis adds
 * REDIS_KEY_PREFIX to both keys, as it does for every EVAL key.
 *
 * When Redis cannot answer (down, or slower than REDIS_COMMAND_TIMEOUT), the request is
 * let through with a warning and `rate_limit_storage_errors_total`: an outage of the
 * limiter's store must not become an outage of the API. THROTTLE_FAIL_CLOSED=true refuses
 * those requests with 503 instead, for deployments where an unlimited API is worse.
 */
export class ResilientRedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: ThrottlerStorageRedisService;
  private lastWarning = 0;

  constructor(
    client: RedisClient,
    private readonly failClosed: boolean,
    private readonly metrics: AppMetrics,
  ) {
    // Two calls because the constructor is overloaded per class, not typed with the union.
    this.redis =
      client instanceof Cluster ? new ThrottlerStorageRedisService(client) : new ThrottlerStorageRedisService(client);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.redis.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.metrics.rateLimitStorageFailed();
      this.warn(error);
      if (this.failClosed) {
        throw new ProblemException(
          HttpStatus.SERVICE_UNAVAILABLE,
          'rate_limit_unavailable',
          'The request budget cannot be checked right now; retry shortly.',
        );
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_INTERVAL_MS) return;
    this.lastWarning = now;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      { err: { message } },
      this.failClosed
        ? 'Rate-limit storage unreachable; refusing requests (THROTTLE_FAIL_CLOSED)'
        : 'Rate-limit storage unreachable; letting requests through unchecked',
    );
  }
}
