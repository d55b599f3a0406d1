import { ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  normalizeIp,
  Resolvable,
  ThrottlerGenerateKeyFunction,
  ThrottlerGetTrackerFunction,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerOptions,
} from '@nestjs/throttler';
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

/** The metadata keys of `@SkipThrottle()` and `@Throttle()` (`@nestjs/throttler`'s throttler.constants), per throttler name. */
const ROUTE_OPTION = {
  skip: 'THROTTLER:SKIP',
  limit: 'THROTTLER:LIMIT',
  ttl: 'THROTTLER:TTL',
  blockDuration: 'THROTTLER:BLOCK_DURATION',
  getTracker: 'THROTTLER:TRACKER',
  generateKey: 'THROTTLER:KEY_GENERATOR',
} as const;

/** How one throttler counts on one route, as the stock guard works it out from the route's metadata. */
interface Plan {
  throttler: ThrottlerOptions;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  /** Unset: the ttl, as the stock guard defaults it. */
  blockDuration?: Resolvable<number>;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
  skipIf?: (context: ExecutionContext) => boolean;
}

/** Distinct client addresses whose normalised tracker is remembered; past it the memo starts over. */
const TRACKER_MEMO_SIZE = 10_000;

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
  private readonly plans = new PerRoute<readonly Plan[]>((targets) => this.plansFor(targets));
  private readonly trackers = new Map<string, string>();

  /**
   * The stock guard's check, with what it works out from a route's metadata on every
   * request (ten reflection lookups per throttler, and awaits for values that are plain
   * numbers) worked out on the route's first request and kept; values given as functions
   * are still called per request. Budgets a route does not count (`@SkipThrottle()`, or a
   * named budget it does not ask for) are left out of its plan altogether.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    this.lookahead.start(context);
    for (const plan of this.plans.of(context)) {
      if (plan.skipIf?.(context)) continue;
      const ttl = await resolved(context, plan.ttl, 'ttl', plan.throttler.name);
      await this.handleRequest({
        context,
        limit: await resolved(context, plan.limit, 'limit', plan.throttler.name),
        ttl,
        blockDuration:
          plan.blockDuration === undefined
            ? ttl
            : await resolved(context, plan.blockDuration, 'blockDuration', plan.throttler.name),
        throttler: plan.throttler,
        getTracker: plan.getTracker,
        generateKey: plan.generateKey,
      });
    }
    return true;
  }

  /** The stock tracker (`req.ip`, an IPv6 address reduced to its subnet), remembered per address. */
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const ip = req.ip;
    if (typeof ip !== 'string') return super.getTracker(req);
    let tracker = this.trackers.get(ip);
    if (tracker === undefined) {
      if (this.trackers.size >= TRACKER_MEMO_SIZE) this.trackers.clear();
      tracker = normalizeIp(ip, this.ipv6SubnetPrefix);
      this.trackers.set(ip, tracker);
    }
    return Promise.resolve(tracker);
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  private plansFor(targets: [Function, Function]): Plan[] {
    const named = this.reflector.getAllAndOverride<NamedBudget[] | undefined>(REQUEST_BUDGETS_KEY, targets) ?? [];
    const option = <T>(key: keyof typeof ROUTE_OPTION, name: string) =>
      this.reflector.getAllAndOverride<T | undefined>(ROUTE_OPTION[key] + name, targets);
    const plans: Plan[] = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name ?? DEFAULT_BUDGET;
      if (name !== DEFAULT_BUDGET && !named.includes(name as NamedBudget)) continue;
      if (option<boolean>('skip', name)) continue;
      plans.push({
        throttler,
        limit: option<Resolvable<number>>('limit', name) ?? throttler.limit,
        ttl: option<Resolvable<number>>('ttl', name) ?? throttler.ttl,
        blockDuration: option<Resolvable<number>>('blockDuration', name) ?? throttler.blockDuration,
        getTracker:
          option<ThrottlerGetTrackerFunction>('getTracker', name) ??
          throttler.getTracker ??
          this.commonOptions.getTracker!,
        generateKey:
          option<ThrottlerGenerateKeyFunction>('generateKey', name) ??
          throttler.generateKey ??
          this.commonOptions.generateKey!,
        skipIf: throttler.skipIf ?? this.commonOptions.skipIf,
      });
    }
    return plans;
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

/** A limit, ttl or block duration as the stock guard resolves it: a number, or what its function returns. */
async function resolved(
  context: ExecutionContext,
  value: Resolvable<number>,
  option: string,
  throttler: string | undefined,
): Promise<number> {
  const raw: unknown = typeof value === 'function' ? await value(context) : value;
  const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new Error(
      `Invalid "${option}" for the "${throttler}" throttler: expected a number, got ${JSON.stringify(raw)}.`,
    );
  }
  return number;
}
