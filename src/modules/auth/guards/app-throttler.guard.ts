import { ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';

/**
 * The global per-client request budget (THROTTLE_LIMIT per THROTTLE_TTL), counted in Redis
 * when it is configured so the budget holds for the whole cluster (see AuthModule). The
 * client is the stock tracker, `req.ip`: express derives it from X-Forwarded-For only when
 * TRUST_PROXY says which hops to believe, so with it off a forged header changes nothing.
 * The stock guard already sets Retry-After and the X-RateLimit-* headers; this one counts
 * the rejection and answers with a problem body instead of the stock message.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  @Inject(AppMetrics) private readonly metrics!: AppMetrics;

  protected override throwThrottlingException(
    _context: ExecutionContext,
    _detail: ThrottlerLimitDetail,
  ): Promise<void> {
    this.metrics.requestRateLimited('global');
    return Promise.reject(
      new ProblemException(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        'Too many requests; retry after the number of seconds in Retry-After.',
      ),
    );
  }
}
