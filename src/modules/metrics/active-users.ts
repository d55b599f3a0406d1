import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';

const MINUTE_MS = 60_000;
/** "Active" = seen in the current minute or the four before it. */
export const ACTIVE_WINDOW_MINUTES = 5;
/** A minute's key outlives the window by a minute, then Redis drops it. */
const KEY_TTL_MS = (ACTIVE_WINDOW_MINUTES + 1) * MINUTE_MS;
/** At most one warning per this interval while Redis fails. */
const WARN_INTERVAL_MS = 60_000;

/**
 * One HyperLogLog per minute. Every key holds the same hash tag, so on a Redis Cluster all
 * of them live in one slot and a single PFCOUNT can merge the five of them.
 */
export const activeUsersKey = (minute: number) => `{active-users}:${minute}`;

const minuteOf = (now: number) => Math.floor(now / MINUTE_MS);
const windowMinutes = (now: number) =>
  Array.from({ length: ACTIVE_WINDOW_MINUTES }, (_, i) => minuteOf(now) - i).reverse();

/**
 * Distinct users seen recently. With Redis the count is cluster-wide: each instance PFADDs
 * the user into the current minute's HyperLogLog, and a scrape on any instance PFCOUNTs the
 * union of the last five, so a user active on three instances counts once (HyperLogLog's
 * standard error is 0.81 %; below a few hundred users the count is exact). Without Redis
 * the same windows are exact sets in this process, which is the whole service on one node.
 *
 * An instance reports a user at most once per minute: repeat requests cost no Redis call.
 * A Redis failure loses that sighting and is logged at most once a minute; it never fails
 * the request that was being authenticated.
 *
 * The count is the `app_active_users` gauge of the application's registry, taken at scrape time.
 */
@Injectable()
export class ActiveUsers {
  private readonly logger = new Logger(ActiveUsers.name);
  /** Users already reported, per minute: the whole windows without Redis, this minute's with it. */
  private readonly seenByMinute = new Map<number, Set<string>>();
  private lastWarning = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    registry: Registry,
  ) {
    const count = () => this.count();
    new Gauge({
      name: 'app_active_users',
      help: `Distinct users who made an authenticated request in the last ${ACTIVE_WINDOW_MINUTES} minutes, across the cluster when Redis is configured`,
      registers: [registry],
      async collect() {
        const users = await count();
        // Redis unreachable: keep the last value rather than report a drop to zero.
        if (users !== undefined) this.set(users);
      },
    });
  }

  /** Records an authenticated request by `userId`. Returns once Redis has it (callers need not wait). */
  async seen(userId: string, now = Date.now()): Promise<void> {
    const minute = minuteOf(now);
    let seen = this.seenByMinute.get(minute);
    if (seen === undefined) {
      seen = new Set();
      this.seenByMinute.set(minute, seen);
      this.forgetBefore(minute - (this.redis ? 0 : ACTIVE_WINDOW_MINUTES - 1));
    }
    if (seen.has(userId)) return;
    seen.add(userId);
    if (!this.redis) return;
    const key = activeUsersKey(minute);
    try {
      await this.redis.multi().pfadd(key, userId).pexpire(key, KEY_TTL_MS).exec();
    } catch (error) {
      seen.delete(userId);
      this.warn(error);
    }
  }

  /** Distinct users in the window ending now; `undefined` when Redis cannot say. */
  async count(now = Date.now()): Promise<number | undefined> {
    const minutes = windowMinutes(now);
    if (!this.redis) {
      const union = new Set<string>();
      for (const minute of minutes) for (const id of this.seenByMinute.get(minute) ?? []) union.add(id);
      return union.size;
    }
    try {
      return await this.redis.pfcount(...minutes.map(activeUsersKey));
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  private forgetBefore(minute: number): void {
    for (const key of this.seenByMinute.keys()) if (key < minute) this.seenByMinute.delete(key);
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < WARN_INTERVAL_MS) return;
    this.lastWarning = Date.now();
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err: { message } }, 'Active-user tracking could not reach Redis');
  }
}
