import Redis from 'ioredis';
import type { AccountsConfig, ThrottleConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { AccountActionBudgets } from './account-action-budgets';

describe(AccountActionBudgets.name, () => {
  const cfg = { actionWindowMs: 60_000, actionLimitPerClient: 4, actionLimitPerAccount: 2 } as AccountsConfig;
  let metrics: jest.Mocked<AppMetrics>;
  const budgets = (redis: Redis | null = null, failClosed = false) =>
    new AccountActionBudgets(cfg, { failClosed } as ThrottleConfig, redis, metrics);

  beforeEach(() => {
    metrics = automock(AppMetrics, { requestRateLimited: () => undefined, rateLimitStorageFailed: () => undefined });
  });

  const refusal = (promise: Promise<void>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('refuses an account over its budget with 429 rate_limited and Retry-After, and counts it', async () => {
    const sut = budgets();
    await sut.take('password_forgot', { client: 'c1', account: 'email:a@example.com' });
    await sut.take('password_forgot', { client: 'c2', account: 'email:a@example.com' });
    const error = await refusal(sut.take('password_forgot', { client: 'c3', account: 'email:a@example.com' }));
    expect(error).toBeInstanceOf(RetryLaterProblem);
    expect((error as RetryLaterProblem).getStatus()).toBe(429);
    expect((error as RetryLaterProblem).code).toBe('rate_limited');
    expect((error as RetryLaterProblem).retryAfterSeconds).toBe(60);
    expect(metrics.requestRateLimited).toHaveBeenCalledWith('password_forgot');
  });

  it('refuses a client over its budget whichever accounts it names', async () => {
    const sut = budgets();
    for (let i = 0; i < 4; i += 1)
      await sut.take('password_forgot', { client: 'c1', account: `email:${i}@example.com` });
    await expect(
      sut.take('password_forgot', { client: 'c1', account: 'email:new@example.com' }),
    ).rejects.toBeInstanceOf(RetryLaterProblem);
    await expect(
      sut.take('password_forgot', { client: 'c2', account: 'email:new@example.com' }),
    ).resolves.toBeUndefined();
  });

  it('keeps each action on budgets of its own', async () => {
    const sut = budgets();
    const subject = { client: 'c1', account: 'user:1' };
    await sut.take('email_resend', subject);
    await sut.take('email_resend', subject);
    await expect(sut.take('email_resend', subject)).rejects.toBeInstanceOf(RetryLaterProblem);
    await expect(sut.take('password_forgot', subject)).resolves.toBeUndefined();
  });

  it('follows THROTTLE_FAIL_CLOSED when the counters cannot be reached', async () => {
    // A real client that never connects: with the offline queue off, every command fails at once.
    const down = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    try {
      await expect(budgets(down, false).take('password_reset', { client: 'c1' })).resolves.toBeUndefined();
      const error = await refusal(budgets(down, true).take('password_reset', { client: 'c1' }));
      expect((error as RetryLaterProblem).getStatus()).toBe(503);
      expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(2);
    } finally {
      down.disconnect();
    }
  });
});
