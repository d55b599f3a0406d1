import { ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/modules/metrics/app-metrics.service';

/**
 * The global per-client request budget (THROTTLE_LIMIT per THROTTLE_TTL). The stock
 * guard already sets Retry-After and the X-RateLimit-* headers; this one counts the
 * rejection and answers with a problem body instead of the stock message.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  @Inject(AppMetrics) private readonly metrics!: AppMetrics;

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    _detail: ThrottlerLimitDetail,
  ): Promise<void> {
    this.metrics.requestRateLimited('global');
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      'Too many requests; retry after the number of seconds in Retry-After.',
    );
  }
}
