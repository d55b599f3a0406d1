import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { authConfig, AuthConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { FixedWindows } from '@/infra/redis/fixed-windows';
import { REDIS_RETRY_AFTER_S, RedisOutageWarning } from '@/infra/redis/redis-outage';
import { audit, AuditEvent } from '@/infra/logging/audit-log';
import { AppMetrics } from '@/infra/metrics/app-metrics';

/** A route or change that checks a signed-in user's `currentPassword`. */
export type CurrentPasswordUse = 'password_change' | 'account_deletion' | 'email_change';

/** Where a password a caller typed is checked: login, or a `currentPassword`. */
export type PasswordCheck = 'login' | CurrentPasswordUse;

/** The audit event of a check refused over a limit, per route. */
const LOCKED_OUT: Record<PasswordCheck, AuditEvent> = {
  login: 'auth.login.locked_out',
  password_change: 'auth.password.change_locked_out',
  account_deletion: 'auth.account.delete_locked_out',
  email_change: 'auth.email.change_locked_out',
};

/** One reserved attempt, settled by its outcome. A wrong password settles nothing: the attempt stays counted. */
export interface ReservedAttempt {
  /** The password was right: the pair counter is cleared, the others lose this attempt. */
  succeeded(): Promise<void>;
  /** The password was never checked (hashing refused for load): every counter loses this attempt. */
  cancel(): Promise<void>;
}

/** The outcome of one reservation: allowed, or refused for `waitMs`. */
export type PasswordReservation = { allowed: true; attempt: ReservedAttempt } | { allowed: false; waitMs: number };

/** Failing open: nothing was counted, so there is nothing to give back. */
const UNCOUNTED: ReservedAttempt = { succeeded: () => Promise.resolve(), cancel: () => Promise.resolve() };

/**
 * Counts password attempts in fixed windows of LOGIN_FAILURE_WINDOW, per (account, client)
 * pair, per client (req.ip, which honours TRUST_PROXY) and per account across all clients.
 * Every check of a password a caller typed goes through here: login (LoginThrottleGuard)
 * and `currentPassword` on PATCH (a password or an email change) and DELETE /users/me, so
 * guesses by any of these routes share the account's counters. The account is `user:<id>` when the password belongs to a
 * user, else the normalised email (`email:<email>`, login of an unknown email), so spellings
 * that reach one account share its counters and unknown emails are limited the same way. Each attempt is
 * reserved before the password is verified; a success gives it back (see ReservedAttempt).
 *
 * With Redis the counters are shared by every instance (keys `login-failures:{l}:*` under
 * REDIS_KEY_PREFIX, one hash slot so the script runs on Redis Cluster; the name predates
 * the second route and stays so deployed counters keep counting); without it they live in
 * this process, where check and reserve are one synchronous step. When Redis fails, the
 * check fails open (the attempt proceeds, a warning is logged and
 * `rate_limit_storage_errors_total` counts it), or with LOGIN_FAIL_CLOSED the attempt is
 * refused with 503 before any password is verified.
 */
@Injectable()
export class PasswordAttemptsService {
  private readonly logger = new Logger(PasswordAttemptsService.name);
  private readonly outage = new RedisOutageWarning(this.logger);
  private readonly counters: FixedWindows;

  constructor(
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    @Inject(REDIS_CLIENT) redis: RedisClient | null,
    private readonly metrics: AppMetrics,
  ) {
    this.counters = new FixedWindows(redis, cfg.loginFailureWindowMs);
  }

  /**
   * Reserves one attempt for `account` from `client`, or refuses:
   * 429 `too_many_login_failures` with Retry-After over a limit (counted as a lock-out),
   * 503 `login_limit_unavailable` when the counters are unreachable and LOGIN_FAIL_CLOSED is set.
   */
  async reserveOrRefuse(account: string, client: string, via: PasswordCheck = 'login'): Promise<ReservedAttempt> {
    const reservation = await this.reserve(account, client);
    if (reservation.allowed) return reservation.attempt;
    this.metrics.loginFailed('locked_out');
    const userId = account.startsWith('user:') ? account.slice('user:'.length) : undefined;
    audit(LOCKED_OUT[via], { userId });
    this.metrics.requestRateLimited('login');
    throw new RetryLaterProblem(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_login_failures',
      'Too many failed password attempts for this account or client; retry after the number of seconds in Retry-After.',
      Math.max(1, Math.ceil(reservation.waitMs / 1000)),
    );
  }

  /** Reserves one attempt for `account` from `client`, or says how long (ms) to wait. */
  async reserve(account: string, client: string, now = Date.now()): Promise<PasswordReservation> {
    const keys = keysOf(account, client);
    const limits = [
      this.cfg.loginMaxFailuresPerAccount,
      this.cfg.loginMaxFailuresPerClient,
      this.cfg.loginMaxFailuresPerAccountTotal,
    ];
    const attempt: ReservedAttempt = {
      succeeded: () => this.giveBack(keys, true),
      cancel: () => this.giveBack(keys, false),
    };
    try {
      const waitMs = await this.counters.reserve(keys, limits, now);
      return waitMs > 0 ? { allowed: false, waitMs } : { allowed: true, attempt };
    } catch (error) {
      this.failed(error);
      if (this.cfg.loginFailClosed) {
        throw new RetryLaterProblem(
          HttpStatus.SERVICE_UNAVAILABLE,
          'login_limit_unavailable',
          'Password attempts cannot be counted right now; retry after the number of seconds in Retry-After.',
          REDIS_RETRY_AFTER_S,
        );
      }
      return { allowed: true, attempt: UNCOUNTED };
    }
  }

  /** Takes the attempt back from every counter; a success clears the pair counter instead. */
  private async giveBack(keys: string[], clearPair: boolean): Promise<void> {
    await this.counters.giveBack(keys, clearPair).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    this.metrics.rateLimitStorageFailed();
    this.outage.warn(
      error,
      this.cfg.loginFailClosed
        ? 'Login failure counters unreachable; refusing password checks (LOGIN_FAIL_CLOSED)'
        : 'Login failure counters unreachable; letting logins through unchecked',
    );
  }
}

/** Pair first (cleared on success), then client, then the account across all clients. */
const keysOf = (account: string, client: string) => [
  `login-failures:{l}:pair:${account}:${client}`,
  `login-failures:{l}:client:${client}`,
  `login-failures:{l}:account:${account}`,
];
