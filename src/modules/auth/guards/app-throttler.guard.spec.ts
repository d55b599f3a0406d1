import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, Throttle, ThrottlerStorage } from '@nestjs/throttler';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { RequestBudget } from '../decorators/request-budget.decorator';
import { AppThrottlerGuard, throttleKey } from './app-throttler.guard';
import { AuthLookahead } from './auth-lookahead';

class Routes {
  plain() {}
  @RequestBudget('register')
  register() {}
  @SkipThrottle()
  probe() {}
  @Throttle({ default: { limit: () => 3, ttl: 5_000 } })
  tight() {}
}

describe(AppThrottlerGuard.name, () => {
  let hits: Array<{ key: string; ttl: number; limit: number; blockDuration: number }>;
  let sut: AppThrottlerGuard;

  const contextFor = (handler: () => void, ip = '::ffff:10.0.0.1') => {
    const req = { ip, headers: {} };
    const res = { header: jest.fn() };
    const http = automock<ReturnType<ExecutionContext['switchToHttp']>>('HttpArgumentsHost', {
      getRequest: () => req,
      getResponse: () => res,
    });
    return automock<ExecutionContext>('ExecutionContext', {
      getHandler: () => handler,
      getClass: () => Routes,
      switchToHttp: () => http,
    });
  };

  beforeEach(async () => {
    hits = [];
    const storage = automock<ThrottlerStorage>('ThrottlerStorage', {
      increment: async (key, ttl, limit, blockDuration) => {
        hits.push({ key, ttl, limit, blockDuration });
        return { totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 };
      },
    });
    const options = {
      throttlers: [
        { name: 'default', limit: 100, ttl: 60_000 },
        { name: 'register', limit: 5, ttl: 3_600_000 },
      ],
      generateKey: (_: ExecutionContext, tracker: string, name: string) => throttleKey(name, tracker),
    };
    sut = new AppThrottlerGuard(options, storage, new Reflector());
    Object.assign(sut, {
      metrics: automock(AppMetrics, {}),
      lookahead: automock(AuthLookahead, { start: () => undefined }),
    });
    await sut.onModuleInit();
  });

  it('counts every route against the default budget, on the client address', async () => {
    await expect(sut.canActivate(contextFor(Routes.prototype.plain))).resolves.toBe(true);
    await expect(sut.canActivate(contextFor(Routes.prototype.plain))).resolves.toBe(true);

    const hit = { key: 'throttle:default:10.0.0.1', ttl: 60_000, limit: 100, blockDuration: 60_000 };
    expect(hits).toEqual([hit, hit]);
  });

  it('counts a named budget only where the route asks for it', async () => {
    await sut.canActivate(contextFor(Routes.prototype.register, '2001:db8::1'));

    expect(hits.map((hit) => hit.key)).toEqual(['throttle:default:2001:db8::/64', 'throttle:register:2001:db8::/64']);
  });

  it('counts nothing on a route that skips the budget', async () => {
    await expect(sut.canActivate(contextFor(Routes.prototype.probe))).resolves.toBe(true);

    expect(hits).toEqual([]);
  });

  it("takes a route's own limit, called per request when it is a function", async () => {
    await sut.canActivate(contextFor(Routes.prototype.tight));
    await sut.canActivate(contextFor(Routes.prototype.tight));

    expect(hits).toEqual([
      { key: 'throttle:default:10.0.0.1', ttl: 5_000, limit: 3, blockDuration: 5_000 },
      { key: 'throttle:default:10.0.0.1', ttl: 5_000, limit: 3, blockDuration: 5_000 },
    ]);
  });
});
