import Redis from 'ioredis';
import type { AuthConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { PasswordAttemptsService } from './password-attempts.service';

describe(PasswordAttemptsService.name, () => {
  const WINDOW = 15 * 60_000;
  const cfg = {
    loginMaxFailuresPerAccount: 3,
    loginMaxFailuresPerClient: 5,
    loginMaxFailuresPerAccountTotal: 8,
    loginFailureWindowMs: WINDOW,
  } as AuthConfig;
  let sut: PasswordAttemptsService;
  let metrics: jest.Mocked<AppMetrics>;
  const t0 = 1_000_000;

  beforeEach(() => {
    metrics = automock(AppMetrics, {
      rateLimitStorageFailed: () => undefined,
      loginFailed: () => undefined,
      requestRateLimited: () => undefined,
    });
    sut = new PasswordAttemptsService(cfg, null, metrics);
  });

  const fail = async (account: string, client: string, now = t0) => {
    const r = await sut.reserve(account, client, now);
    expect(r.allowed).toBe(true);
  };

  it('allows a pair until it reaches its limit, then blocks that pair only, for the rest of the window', async () => {
    for (let i = 0; i < 3; i += 1) await fail('user:a', '10.0.0.1', t0 + i);
    expect(await sut.reserve('user:a', '10.0.0.1', t0 + 1000)).toEqual({ allowed: false, waitMs: WINDOW - 1000 });
    expect((await sut.reserve('user:a', '10.0.0.2', t0 + 1000)).allowed).toBe(true);
    expect((await sut.reserve('user:b', '10.0.0.1', t0 + 1000)).allowed).toBe(true);
  });

  it('reserves synchronously: concurrent reservations never pass more than the limit', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => sut.reserve('user:a', '10.0.0.1', t0)));
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });

  it('unblocks when the window ends', async () => {
    for (let i = 0; i < 3; i += 1) await fail('user:a', '10.0.0.1');
    expect(await sut.reserve('user:a', '10.0.0.1', t0 + WINDOW - 1)).toEqual({ allowed: false, waitMs: 1 });
    expect((await sut.reserve('user:a', '10.0.0.1', t0 + WINDOW)).allowed).toBe(true);
  });

  it('blocks a client that fails on many accounts, whatever account it tries next', async () => {
    for (let i = 0; i < 5; i += 1) await fail(`user:${i}`, '10.0.0.1');
    expect(await sut.reserve('user:fresh', '10.0.0.1', t0 + 1)).toEqual({ allowed: false, waitMs: WINDOW - 1 });
    expect((await sut.reserve('user:fresh', '10.0.0.2', t0 + 1)).allowed).toBe(true);
  });

  it('blocks an account guessed from many clients at its total ceiling, from every client', async () => {
    for (let i = 0; i < 8; i += 1) await fail('user:a', `10.0.1.${i}`);
    expect((await sut.reserve('user:a', '10.0.9.9', t0 + 1)).allowed).toBe(false);
    expect((await sut.reserve('user:b', '10.0.9.9', t0 + 1)).allowed).toBe(true);
  });

  it('a success clears its pair and gives back its one attempt of the client and the total', async () => {
    for (let i = 0; i < 2; i += 1) await fail('user:a', '10.0.0.1');
    const ok = await sut.reserve('user:a', '10.0.0.1', t0);
    if (!ok.allowed) throw new Error('expected a reservation');
    await ok.attempt.succeeded();
    for (let i = 0; i < 3; i += 1) await fail('user:a', '10.0.0.1');
    expect((await sut.reserve('user:a', '10.0.0.1', t0)).allowed).toBe(false);
    expect((await sut.reserve('user:other', '10.0.0.1', t0)).allowed).toBe(false);
  });

  it('a cancelled attempt gives back only itself: the failures before it still count', async () => {
    for (let i = 0; i < 2; i += 1) await fail('user:a', '10.0.0.1');
    const busy = await sut.reserve('user:a', '10.0.0.1', t0);
    if (!busy.allowed) throw new Error('expected a reservation');
    await busy.attempt.cancel();
    await fail('user:a', '10.0.0.1');
    expect((await sut.reserve('user:a', '10.0.0.1', t0)).allowed).toBe(false);
  });

  it('refuses over a limit with a 429 problem carrying Retry-After, counted as a lock-out', async () => {
    for (let i = 0; i < 3; i += 1) await fail('user:a', '10.0.0.1', Date.now());

    const refused: unknown = await sut.reserveOrRefuse('user:a', '10.0.0.1').catch((e) => e);

    expect(refused).toBeInstanceOf(RetryLaterProblem);
    expect(refused).toMatchObject({ status: 429, code: 'too_many_login_failures' });
    expect((refused as RetryLaterProblem).retryAfterSeconds).toBeGreaterThan(WINDOW / 1000 - 5);
    expect(metrics.loginFailed).toHaveBeenCalledWith('locked_out');
    expect(metrics.requestRateLimited).toHaveBeenCalledWith('login');
  });

  describe('with Redis', () => {
    let redis: jest.Mocked<Redis>;
    /** The scripts FixedWindows defines on the client, sent by SHA. */
    let reserve: jest.Mock;

    beforeEach(() => {
      reserve = jest.fn();
      const scripts: Record<string, jest.Mock> = { fixedWindowsReserve: reserve, fixedWindowsGiveBack: jest.fn() };
      redis = automock(Redis, {
        defineCommand: (name) => void Object.assign(redis, { [name]: scripts[name] }),
      });
      sut = new PasswordAttemptsService(cfg, redis, metrics);
    });

    it('checks and reserves the pair, client and account counters in one script', async () => {
      reserve.mockResolvedValue(0);

      expect((await sut.reserve('user:a', '10.0.0.1')).allowed).toBe(true);
      expect(reserve.mock.calls[0]).toEqual([
        3,
        'login-failures:{l}:pair:user:a:10.0.0.1',
        'login-failures:{l}:client:10.0.0.1',
        'login-failures:{l}:account:user:a',
        WINDOW,
        3,
        5,
        8,
      ]);
    });

    it('refuses for the time the script says is left', async () => {
      reserve.mockResolvedValue(42_000);
      expect(await sut.reserve('user:a', '10.0.0.1')).toEqual({ allowed: false, waitMs: 42_000 });
    });

    it('lets logins through and counts the storage error when Redis fails', async () => {
      reserve.mockRejectedValue(new Error('Command timed out'));

      const r = await sut.reserve('user:a', '10.0.0.1');
      expect(r.allowed).toBe(true);
      if (r.allowed) await expect(r.attempt.succeeded()).resolves.toBeUndefined();
      expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(1);
    });

    it('refuses with 503 and Retry-After when Redis fails and LOGIN_FAIL_CLOSED is set', async () => {
      sut = new PasswordAttemptsService({ ...cfg, loginFailClosed: true }, redis, metrics);
      reserve.mockRejectedValue(new Error('Connection is closed.'));

      const refused: unknown = await sut.reserveOrRefuse('user:a', '10.0.0.1').catch((e) => e);

      expect(refused).toBeInstanceOf(RetryLaterProblem);
      expect(refused).toMatchObject({ status: 503, code: 'login_limit_unavailable', retryAfterSeconds: 2 });
      expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(1);
      expect(metrics.loginFailed).not.toHaveBeenCalled();
    });
  });
});
