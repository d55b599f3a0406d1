import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { PasswordAttemptsService } from '@/modules/users/password-attempts.service';
import { UsersService } from '@/modules/users/users.service';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { loginAttemptOf, LoginThrottleGuard } from './login-throttle.guard';

const WINDOW = 15 * 60_000;
const cfg = {
  loginMaxFailuresPerAccount: 2,
  loginMaxFailuresPerClient: 4,
  loginMaxFailuresPerAccountTotal: 10,
  loginFailureWindowMs: WINDOW,
} as AuthConfig;
const user = buildUser({ email: 'a@x.io' });

const buildRequest = (overrides: Partial<Request> = {}) =>
  ({ body: { email: 'a@x.io', password: 'pw' }, ip: '10.0.0.1', socket: {}, ...overrides }) as Request;

function contextFor(req: Request) {
  const http = automock<ReturnType<ExecutionContext['switchToHttp']>>('HttpArgumentsHost', { getRequest: () => req });
  return automock<ExecutionContext>('ExecutionContext', { switchToHttp: () => http });
}

describe(LoginThrottleGuard.name, () => {
  let attempts: PasswordAttemptsService;
  let metrics: jest.Mocked<AppMetrics>;
  let users: jest.Mocked<UsersService>;
  let sut: LoginThrottleGuard;

  beforeEach(() => {
    metrics = automock(AppMetrics, {
      loginFailed: () => undefined,
      requestRateLimited: () => undefined,
      rateLimitStorageFailed: () => undefined,
    });
    attempts = new PasswordAttemptsService(cfg, null, metrics);
    users = automock(UsersService, {
      findForLogin: async (email) => (email === 'a@x.io' ? user : null),
    });
    sut = new LoginThrottleGuard(attempts, users);
  });

  const spend = async (account: string, client: string, now?: number) => {
    expect((await attempts.reserve(account, client, now)).allowed).toBe(true);
  };

  it('lets a login through while neither the account nor the client is over its limit, handing on the user', async () => {
    await spend(`user:${user.id}`, '10.0.0.1');
    const req = buildRequest();

    await expect(sut.canActivate(contextFor(req))).resolves.toBe(true);
    expect(metrics.requestRateLimited).not.toHaveBeenCalled();
    expect(loginAttemptOf(req)?.user).toBe(user);
  });

  it('refuses a locked account with 429 and Retry-After in whole seconds, counting the lockout', async () => {
    for (let i = 0; i < 2; i += 1) await spend(`user:${user.id}`, '10.0.0.1');

    const refused: unknown = await sut
      .canActivate(contextFor(buildRequest({ body: { email: '  A@X.io ' } })))
      .catch((e) => e);

    expect(refused).toBeInstanceOf(RetryLaterProblem);
    expect(refused).toMatchObject({ status: 429, code: 'too_many_login_failures' });
    const retryAfter = (refused as RetryLaterProblem).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(WINDOW / 1000 - 5);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW / 1000);
    expect(metrics.loginFailed).toHaveBeenCalledWith('locked_out');
    expect(metrics.requestRateLimited).toHaveBeenCalledWith('login');
  });

  it.each([
    ['no body', undefined],
    ['no email', { password: 'pw' }],
    ['an email that is not a string', { email: ['a@x.io'] }],
  ])('passes a request with %s on to validation without reserving an attempt', async (_, body) => {
    const req = buildRequest({ body });

    await expect(sut.canActivate(contextFor(req))).resolves.toBe(true);
    expect(loginAttemptOf(req)).toBeUndefined();
    expect(users.findForLogin).not.toHaveBeenCalled();
  });

  it('never asks a client to wait less than one second', async () => {
    const now = Date.now();
    for (let i = 0; i < 2; i += 1) await spend(`user:${user.id}`, '10.0.0.1', now - WINDOW + 200);

    await expect(sut.canActivate(contextFor(buildRequest()))).rejects.toMatchObject({
      status: 429,
      retryAfterSeconds: 1,
    });
  });
});
