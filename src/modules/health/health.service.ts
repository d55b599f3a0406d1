import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { DatabaseWritableIndicator } from './database-writable.indicator';

const DB_PING_TIMEOUT_MS = 1500;
const REDIS_PING_TIMEOUT_MS = 1000;

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly lifecycle: LifecycleService,
    private readonly writable: DatabaseWritableIndicator,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
  ) {}

  checkReadiness(): Promise<HealthCheckResult> {
    const redis = this.redis;
    return this.health.check([
      () => this.shutdownCheck(),
      () => this.databaseCheck(),
      ...(redis ? [() => this.redisCheck(redis)] : []),
    ]);
  }

  summarise(result: HealthCheckResult) {
    const entries = { ...result.info, ...result.error };
    const down = Object.entries(entries)
      .filter(([, value]) => value?.status !== 'up')
      .map(([name]) => name);
    return {
      status: result.status === 'ok' ? 'ok' : 'unavailable',
      summary:
        down.length === 0
          ? 'Ready: every dependency answers.'
          : `Not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down.`,
      checks: Object.fromEntries(Object.entries(entries).map(([name, value]) => [name, value?.status ?? 'down'])),
    };
  }

  /**
   * The database answers and, on a server, takes writes: after a failover the address may
   * name a standby that answers every ping and refuses every write. Both questions are
   * asked at once, so the check stays within one ping timeout (below the probes' 2 s); when
   * the database does not answer, only that is reported, once, as `database`.
   */
  private async databaseCheck(): Promise<HealthIndicatorResult> {
    const [reachable, writable] = await Promise.all([
      this.db.pingCheck('database', { timeout: DB_PING_TIMEOUT_MS }),
      this.writable.applies ? this.writable.check(DB_PING_TIMEOUT_MS) : undefined,
    ]);
    if (!writable || reachable.database?.status !== 'up') return reachable;
    return { ...reachable, ...writable };
  }

  /**
   * Redis down makes the instance not ready, as the contract asks: without the shared
   * state it is no longer one of N equal nodes. Requests that still reach it degrade
   * rather than fail (cache misses read the database, limits fail open); docs/scaling.md
   * describes what that means behind each kind of load balancer.
   */
  private async redisCheck(client: RedisClient): Promise<HealthIndicatorResult> {
    const check = this.indicator.check('redis');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${REDIS_PING_TIMEOUT_MS} ms`)),
        REDIS_PING_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([client.ping(), timeout]);
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : 'ping failed' });
    } finally {
      clearTimeout(timer);
    }
  }

  private shutdownCheck(): HealthIndicatorResult {
    const check = this.indicator.check('shutdown');
    return this.lifecycle.isShuttingDown ? check.down({ reason: 'draining' }) : check.up();
  }
}
