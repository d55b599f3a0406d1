import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
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
/** A sighting waits at most this long in the process before it is sent to Redis with the others. */
export const ACTIVE_USERS_FLUSH_MS = 5_000;

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
 * its users into the current minute's HyperLogLog, and a scrape on any instance PFCOUNTs the
 * union of the last five, so a user active on three instances counts once (HyperLogLog's
 * standard error is 0.81 %; below a few hundred users the count is exact). Without Redis
 * the same windows are exact sets in this process, which is the whole service on one node.
 *
 * The request path does no Redis call: an instance notes each user once a minute in memory,
 * and sends what it noted at most {@link ACTIVE_USERS_FLUSH_MS} later, one MULTI with a
 * PFADD (all the users) and a PEXPIRE per minute, for every request of those seconds
 * together. A scrape sends what is pending first, on the same connection, so this instance's
 * own users are in the count it answers; other instances' are within the flush interval.
 * Shutdown sends the rest. A Redis failure loses that batch (its users are reported again
 * on their next request) and is logged at most once a minute; it never reaches a request.
 *
 * The count is the `app_active_users` gauge of the application's registry, taken at scrape time.
 */
@Injectable()
export class ActiveUsers implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ActiveUsers.name);
  /** Users already noted, per minute: the whole windows without Redis, this minute's with it. */
  private readonly seenByMinute = new Map<number, Set<string>>();
  /** With Redis: users noted but not yet sent, per minute. */
  private unsent = new Map<number, Set<string>>();
  private timer?: NodeJS.Timeout;
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

  /** Records an authenticated request by `userId`, in memory only. */
  seen(userId: string, now = Date.now()): void {
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
    const unsent = this.unsent.get(minute) ?? new Set<string>();
    this.unsent.set(minute, unsent.add(userId));
    this.timer ??= setTimeout(() => void this.flush(), ACTIVE_USERS_FLUSH_MS).unref();
  }

  /** Sends the users noted since the last flush: one round trip, whatever their number. Never rejects. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.redis || this.unsent.size === 0) return;
    const batch = this.unsent;
    this.unsent = new Map();
    const transaction = this.redis.multi();
    for (const [minute, users] of batch) {
      const key = activeUsersKey(minute);
      transaction.pfadd(key, ...users).pexpire(key, KEY_TTL_MS);
    }
    try {
      await transaction.exec();
    } catch (error) {
      for (const [minute, users] of batch) for (const id of users) this.seenByMinute.get(minute)?.delete(id);
      this.warn(error);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Distinct users in the window ending now; `undefined` when Redis cannot say. */
  async count(now = Date.now()): Promise<number | undefined> {
    const minutes = windowMinutes(now);
    if (!this.redis) {
      const union = new Set<string>();
      for (const minute of minutes) for (const id of this.seenByMinute.get(minute) ?? []) union.add(id);
      return union.size;
    }
    // Sent ahead of the PFCOUNT on the same connection (one slot, on a Cluster too), so Redis counts them.
    void this.flush();
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
