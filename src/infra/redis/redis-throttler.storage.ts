import { HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RetryLaterProblem } from '@/common/http/problem';
import type { AppMetrics } from '@/infra/metrics/app-metrics';
import type { RedisClient } from './redis-client.factory';
import { REDIS_RETRY_AFTER_S, RedisOutageWarning } from './redis-outage';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit on a fixed window, atomically: count it, start the window on the first hit, and
 * once the count passes the limit block the client for the block duration (without one,
 * the client is refused until the window ends, and that is the time it is told).
 *   KEYS: hit counter, block marker (one hash tag, so a Redis Cluster runs it in one slot)
 *   ARGV: window ms, limit, block ms
 *   returns { hits, ms until the window ends, blocked (0/1), ms until it may retry }
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  windowLeft = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], windowLeft)
end
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { hits, windowLeft, 1, blockLeft }
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block <= 0 then return { hits, windowLeft, 1, windowLeft } end
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return { hits, windowLeft, 1, block }
end
return { hits, windowLeft, 0, 0 }
`;

/** The client once `defineCommand` has given it the script (sent by SHA, and in full only when Redis lacks it). */
interface ThrottleCommands {
  throttleHit(
    hitKey: string,
    blockKey: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<[number, number, number, number]>;
}

/**
 * The request budget counted in Redis, so N instances share one budget per client: one
 * atomic script per hit on two keys that share a hash tag, so it also runs on a Redis
 * Cluster. ioredis adds REDIS_KEY_PREFIX to both keys, as it does for every script key.
 *
 * When Redis cannot answer (down, or slower than REDIS_COMMAND_TIMEOUT), the request is
 * let through with a warning and `rate_limit_storage_errors_total`: an outage of the
 * limiter's store must not become an outage of the API. THROTTLE_FAIL_CLOSED=true refuses
 * those requests with 503 instead, for deployments where an unlimited API is worse.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: RedisClient & ThrottleCommands;
  private readonly outage = new RedisOutageWarning(this.logger);

  constructor(
    client: RedisClient,
    private readonly failClosed: boolean,
    private readonly metrics: AppMetrics,
  ) {
    client.defineCommand('throttleHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    this.redis = client as RedisClient & ThrottleCommands;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const tag = `{${key}:${throttlerName}}`;
      const [hits, windowLeft, blocked, blockLeft] = await this.redis.throttleHit(
        `${tag}:hits`,
        `${tag}:blocked`,
        ttl,
        limit,
        blockDuration,
      );
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(windowLeft / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockLeft / 1000),
      };
    } catch (error) {
      this.metrics.rateLimitStorageFailed();
      this.warn(error);
      if (this.failClosed) {
        throw new RetryLaterProblem(
          HttpStatus.SERVICE_UNAVAILABLE,
          'rate_limit_unavailable',
          'The request budget cannot be checked right now; retry after the number of seconds in Retry-After.',
          REDIS_RETRY_AFTER_S,
        );
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private warn(error: unknown): void {
    this.outage.warn(
      error,
      this.failClosed
        ? 'Rate-limit storage unreachable; refusing requests (THROTTLE_FAIL_CLOSED)'
        : 'Rate-limit storage unreachable; letting requests through unchecked',
    );
  }
}
