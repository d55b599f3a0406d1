import { Inject, Injectable, Logger } from '@nestjs/common';
import { authConfig, AuthConfig } from '@/config/configuration';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { AppMetrics } from '@/infra/metrics/app-metrics';

interface Window {
  failures: number;
  resetAt: number;
}

/** Beyond this many tracked keys, expired windows are swept so a spray of addresses cannot grow memory forever. */
const SWEEP_THRESHOLD = 10_000;
/** At most one warning per this interval while Redis is failing. */
const WARN_INTERVAL_MS = 10_000;

/**
 * One failure: INCR, and start the window on the first failure only (a window that
 * already runs keeps its end). Atomic, so failures counted on several instances at once
 * never lose a window's expiry. Returns nothing; reads are separate.
 */
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** The count and the time left in one window, in one round trip: `{failures, msLeft}`. */
const READ_WINDOW = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return { n, redis.call('PTTL', KEYS[1]) }`;

/**
 * Counts failed logins per account (lower-cased email) and per client (req.ip, which
 * honours TRUST_PROXY) in fixed windows of LOGIN_FAILURE_WINDOW. Separate from the global
 * request budget: it slows password guessing even when each guess is a cheap request.
 *
 * With Redis the counters are shared by every instance (keys `login-failures:*` under
 * REDIS_KEY_PREFIX, expiring with their window); without it they live in this process.
 * When Redis fails, the check fails open (the login proceeds, a warning is logged and
 * `rate_limit_storage_errors_total` counts it): password hashing still slows guessing, and
 * a Redis outage must not lock every user out.
 */
@Injectable()
export class LoginAttemptsService {
  private readonly logger = new Logger(LoginAttemptsService.name);
  private readonly windows = new Map<string, Window>();
  private lastWarning = 0;

  constructor(
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    private readonly metrics: AppMetrics,
  ) {}

  /** How long (ms) this account or client must wait before trying again; 0 when allowed. */
  async blockedForMs(email: string | undefined, client: string, now = Date.now()): Promise<number> {
    const [account, byClient] = await Promise.all([
      email ? this.read(accountKey(email), now) : undefined,
      this.read(clientKey(client), now),
    ]);
    const waits = [
      account && account.failures >= this.cfg.loginMaxFailuresPerAccount ? account.msLeft : 0,
      byClient && byClient.failures >= this.cfg.loginMaxFailuresPerClient ? byClient.msLeft : 0,
    ];
    return Math.max(...waits);
  }

  async recordFailure(email: string, client: string, now = Date.now()): Promise<void> {
    await Promise.all([this.bump(accountKey(email), now), this.bump(clientKey(client), now)]);
    if (this.windows.size > SWEEP_THRESHOLD) this.sweep(now);
  }

  /** A successful login clears the account's count (not the client's: one good password must not unlock a spray). */
  async recordSuccess(email: string): Promise<void> {
    if (!this.redis) {
      this.windows.delete(accountKey(email));
      return;
    }
    await this.redis.del(accountKey(email)).catch((error: unknown) => this.failed(error));
  }

  private async read(key: string, now: number): Promise<{ failures: number; msLeft: number } | undefined> {
    if (!this.redis) {
      const window = this.live(key, now);
      return window && { failures: window.failures, msLeft: window.resetAt - now };
    }
    try {
      const [failures, msLeft] = (await this.redis.eval(READ_WINDOW, 1, key)) as [number, number];
      return { failures, msLeft: Math.max(0, msLeft) };
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  private async bump(key: string, now: number): Promise<void> {
    if (this.redis) {
      await this.redis
        .eval(RECORD_FAILURE, 1, key, this.cfg.loginFailureWindowMs)
        .catch((error: unknown) => this.failed(error));
      return;
    }
    const window = this.live(key, now);
    if (window) window.failures += 1;
    else this.windows.set(key, { failures: 1, resetAt: now + this.cfg.loginFailureWindowMs });
  }

  private live(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  private failed(error: unknown): void {
    this.metrics.rateLimitStorageFailed();
    const now = Date.now();
    if (now - this.lastWarning < WARN_INTERVAL_MS) return;
    this.lastWarning = now;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn({ err: { message } }, 'Login failure counters unreachable; letting logins through unchecked');
  }
}

const accountKey = (email: string) => `login-failures:account:${email}`;
const clientKey = (client: string) => `login-failures:client:${client}`;
