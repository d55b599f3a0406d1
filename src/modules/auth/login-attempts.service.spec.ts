import Redis from 'ioredis';
import type { AuthConfig } from '@/config/configuration';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { LoginAttemptsService } from './login-attempts.service';

describe(LoginAttemptsService.name, () => {
  const WINDOW = 15 * 60_000;
  const cfg = {
    loginMaxFailuresPerAccount: 3,
    loginMaxFailuresPerClient: 5,
    loginFailureWindowMs: WINDOW,
  } as AuthConfig;
  let sut: LoginAttemptsService;
  let metrics: jest.Mocked<AppMetrics>;
  const t0 = 1_000_000;

  beforeEach(() => {
    metrics = automock(AppMetrics, { rateLimitStorageFailed: () => undefined });
    sut = new LoginAttemptsService(cfg, null, metrics);
  });

  it('allows an account until it reaches its limit, then blocks it for the rest of the window', async () => {
    for (let i = 0; i < 2; i += 1) await sut.recordFailure('a@x.io', `10.0.0.${i}`, t0 + i);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.9', t0 + 10)).toBe(0);
    await sut.recordFailure('a@x.io', '10.0.0.3', t0 + 20);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.9', t0 + 1000)).toBe(WINDOW - 1000);
    expect(await sut.blockedForMs('b@x.io', '10.0.0.9', t0 + 1000)).toBe(0);
  });

  it('unblocks the account when the window ends', async () => {
    for (let i = 0; i < 3; i += 1) await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0 + WINDOW - 1)).toBe(1);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0 + WINDOW)).toBe(0);
  });

  it('blocks a client that fails on many accounts, whatever account it tries next', async () => {
    for (let i = 0; i < 5; i += 1) await sut.recordFailure(`u${i}@x.io`, '10.0.0.1', t0);
    expect(await sut.blockedForMs('fresh@x.io', '10.0.0.1', t0 + 1)).toBe(WINDOW - 1);
    expect(await sut.blockedForMs(undefined, '10.0.0.1', t0 + 1)).toBe(WINDOW - 1);
    expect(await sut.blockedForMs('fresh@x.io', '10.0.0.2', t0 + 1)).toBe(0);
  });

  it('clears the account counter on success, but not the client counter', async () => {
    for (let i = 0; i < 2; i += 1) await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    await sut.recordSuccess('a@x.io');
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('a@x.io', '10.0.0.2', t0)).toBe(0);
    await sut.recordFailure('a@x.io', '10.0.0.1', t0);
    expect(await sut.blockedForMs('other@x.io', '10.0.0.1', t0)).toBe(WINDOW);
  });

  describe('with Redis', () => {
    let redis: jest.Mocked<Redis>;

    beforeEach(() => {
      redis = automock(Redis, { del: async () => 1 });
      sut = new LoginAttemptsService(cfg, redis, metrics);
    });

    it('blocks for the time Redis says is left in the window once a counter reaches its limit', async () => {
      redis.eval.mockImplementation(async (_script, _n, key) =>
        String(key).includes(':account:') ? [3, 42_000] : [1, 900_000],
      );

      expect(await sut.blockedForMs('a@x.io', '10.0.0.1')).toBe(42_000);
      expect(redis.eval.mock.calls.map((call) => call[2])).toEqual([
        'login-failures:account:a@x.io',
        'login-failures:client:10.0.0.1',
      ]);
    });

    it('counts a failure against the account and the client with the window length', async () => {
      redis.eval.mockResolvedValue(1);

      await sut.recordFailure('a@x.io', '10.0.0.1');

      expect(redis.eval.mock.calls.map((call) => call.slice(1))).toEqual([
        [1, 'login-failures:account:a@x.io', WINDOW],
        [1, 'login-failures:client:10.0.0.1', WINDOW],
      ]);
    });

    it('lets logins through and counts the storage error when Redis fails', async () => {
      redis.eval.mockRejectedValue(new Error('Command timed out'));
      redis.del.mockRejectedValue(new Error('Connection is closed.'));

      await expect(sut.recordFailure('a@x.io', '10.0.0.1')).resolves.toBeUndefined();
      await expect(sut.blockedForMs('a@x.io', '10.0.0.1')).resolves.toBe(0);
      await expect(sut.recordSuccess('a@x.io')).resolves.toBeUndefined();
      expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(5);
    });
  });
});
