import { ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import type { HttpReply } from '@/common/http/platform';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { NamedBudget, REQUEST_BUDGETS_KEY } from '../decorators/request-budget.decorator';
import { AuthLookahead } from './auth-lookahead';
import { PerRoute } from './per-route';

export const DEFAULT_BUDGET = 'default';

/** The storage key of a client's count in a budget; one per client across the whole API, not per route. */
export const throttleKey = (budget: string, tracker: string): string => `throttle:${budget}:${tracker}`;

/** The budget a storage key made by `throttleKey` counts for. */
const budgetOfKey = (key: string): string => key.split(':')[1];

const DETAIL: Record<string, string> = {
  [DEFAULT_BUDGET]: 'Too many requests; retry after the number of seconds in Retry-After.',
  register: 'Too many registrations from this client; retry after the number of seconds in Retry-After.',
};

/**
 * The global per-client request budget (THROTTLE_LIMIT per THROTTLE_TTL), counted in Redis
 * when it is configured so the budget holds for the whole cluster (see AuthModule). The
 * client is the stock tracker, `req.ip`: express derives it from X-Forwarded-For only when
 * TRUST_PROXY says which hops to believe, so with it off a forged header changes nothing.
 * Named budgets (`@RequestBudget('register')`) count only on the routes that ask for them;
 * the stock guard would apply every throttler to every route.
 * The stock guard already sets Retry-After and the X-RateLimit-* headers; this one counts
 * the rejection and answers with a problem body instead of the stock message.
 *
 * It first starts the token check's cache read (AuthLookahead), so that read and the
 * budget's script reach Redis in one write: one round trip for both guards.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  @Inject(AppMetrics) private readonly metrics!: AppMetrics;
  @Inject(AuthLookahead) private readonly lookahead!: AuthLookahead;
  private readonly budgets = new PerRoute<readonly NamedBudget[]>(
    (targets) => this.reflector.getAllAndOverride<NamedBudget[] | undefined>(REQUEST_BUDGETS_KEY, targets) ?? [],
  );

  override canActivate(context: ExecutionContext): Promise<boolean> {
    this.lookahead.start(context);
    return super.canActivate(context);
  }

  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const budget = props.throttler.name ?? DEFAULT_BUDGET;
    if (budget !== DEFAULT_BUDGET && !this.budgets.of(props.context).includes(budget as NamedBudget)) {
      return Promise.resolve(true);
    }
    return super.handleRequest(props);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const budget = budgetOfKey(detail.key);
    if (budget !== DEFAULT_BUDGET) {
      // The stock guard names the header after its throttler (Retry-After-register); clients read Retry-After.
      context
        .switchToHttp()
        .getResponse<HttpReply>()
        .header('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    }
    this.metrics.requestRateLimited(budget === 'register' ? 'register' : 'global');
    return Promise.reject(
      new ProblemException(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', DETAIL[budget] ?? DETAIL[DEFAULT_BUDGET]),
    );
  }
}
