import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { accountsConfig, AccountsConfig, throttleConfig, ThrottleConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { FixedWindows } from '@/infra/redis/fixed-windows';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_RETRY_AFTER_S, RedisOutageWarning } from '@/infra/redis/redis-outage';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';

/** The account actions that send mail or spend a one-time token, each with budgets of its own. */
export const BUDGETED_ACTIONS = ['password_forgot', 'email_resend', 'password_reset', 'email_change'] as const;
export type BudgetedAction = (typeof BUDGETED_ACTIONS)[number];

/**
 * Who an attempt counts against: the client, and the account when the request names one.
 * A check made again once the account became known names the account alone, so one
 * attempt never costs its client twice.
 */
export interface BudgetSubject {
  /** The client address as TRUST_PROXY resolves it (`clientOf(req)`). */
  client?: string;
  /**
   * The account the request is about, in a form that does not tell whether it exists: a
   * normalised email for `forgot` (known and unknown addresses count alike), a user id once
   * the caller is known.
   */
  account?: string;
}

const DETAIL: Record<BudgetedAction, string> = {
  password_forgot: 'Too many password reset requests for this client or address; retry after Retry-After seconds.',
  email_resend: 'Too many verification mails requested; retry after Retry-After seconds.',
  password_reset: 'Too many password reset attempts from this client; retry after Retry-After seconds.',
  email_change: 'Too many email changes requested; retry after Retry-After seconds.',
};

/**
 * Budgets of the account actions that cost a mail or try a token: per client and per
 * account, in fixed windows of ACCOUNT_ACTION_WINDOW, shared by the whole cluster through
 * Redis (keys `account-actions:{a}:*` under REDIS_KEY_PREFIX, one hash slot) or kept in
 * this process without it. Each action counts on its own keys, so asking for a reset mail
 * does not spend the budget of verification mails. An attempt over a budget is refused
 * with 429 `rate_limited` and Retry-After before any work is done. When Redis fails the
 * check follows THROTTLE_FAIL_CLOSED, like the request budget.
 */
@Injectable()
export class AccountActionBudgets {
  private readonly logger = new Logger(AccountActionBudgets.name);
  private readonly outage = new RedisOutageWarning(this.logger);
  private readonly counters: FixedWindows;

  constructor(
    @Inject(accountsConfig.KEY) private readonly cfg: AccountsConfig,
    @Inject(throttleConfig.KEY) private readonly throttle: ThrottleConfig,
    @Inject(REDIS_CLIENT) redis: RedisClient | null,
    private readonly metrics: AppMetrics,
  ) {
    this.counters = new FixedWindows(redis, cfg.actionWindowMs);
  }

  /** Counts one attempt of `action`, or refuses it (429, or 503 when uncountable and failing closed). */
  async take(action: BudgetedAction, subject: BudgetSubject): Promise<void> {
    const { client, account } = subject;
    const keys: string[] = [];
    const limits: number[] = [];
    if (client !== undefined) {
      keys.push(`account-actions:{a}:${action}:client:${client}`);
      limits.push(this.cfg.actionLimitPerClient);
    }
    if (account !== undefined) {
      keys.push(`account-actions:{a}:${action}:account:${account}`);
      limits.push(this.cfg.actionLimitPerAccount);
    }
    let waitMs: number;
    try {
      waitMs = await this.counters.reserve(keys, limits);
    } catch (error) {
      this.metrics.rateLimitStorageFailed();
      this.outage.warn(
        error,
        'Account action budgets unreachable; ' + (this.throttle.failClosed ? 'refusing' : 'allowing'),
      );
      if (!this.throttle.failClosed) return;
      throw new RetryLaterProblem(
        HttpStatus.SERVICE_UNAVAILABLE,
        'rate_limit_unavailable',
        'Request budgets cannot be checked right now; retry after the number of seconds in Retry-After.',
        REDIS_RETRY_AFTER_S,
      );
    }
    if (waitMs <= 0) return;
    this.metrics.requestRateLimited(action);
    throw new RetryLaterProblem(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      DETAIL[action],
      Math.max(1, Math.ceil(waitMs / 1000)),
    );
  }
}
