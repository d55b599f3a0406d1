import type { ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Socket } from 'node:net';
import type { AuthConfig } from '@/config/configuration';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { UsersService } from '@/modules/users/users.service';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { LoginAttemptsService } from '../login-attempts.service';
import { clientOf, loginAttemptOf, LoginThrottleGuard } from './login-throttle.guard';

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
  const headers = new Map<string, string>();
  const res: Response = automock<Response>('Response', {
    setHeader: (name, value) => {
      headers.set(name, String(value));
      return res;
    },
  });
  const http = automock<ReturnType<ExecutionContext['switchToHttp']>>('HttpArgumentsHost', {
    getRequest: () => req,
    getResponse: () => res,
  });
  const context = automock<ExecutionContext>('ExecutionContext', { switchToHttp: () => http });
  return { context, headers };
}

describe(LoginThrottleGuard.name, () => {
  let attempts: LoginAttemptsService;
  let metrics: jest.Mocked<AppMetrics>;
  let users: jest.Mocked<UsersService>;
  let sut: LoginThrottleGuard;

  beforeEach(() => {
    metrics = automock(AppMetrics, {
      loginFailed: () => undefined,
      requestRateLimited: () => undefined,
      rateLimitStorageFailed: () => undefined,
    });
    attempts = new LoginAttemptsService(cfg, null, metrics);
    users = automock(UsersService, {
      findForLogin: async (email) => (email === 'a@x.io' ? user : null),
    });
    sut = new LoginThrottleGuard(attempts, users, metrics);
  });

  const spend = async (account: string, client: string, now?: number) => {
    expect((await attempts.reserve(account, client, now)).allowed).toBe(true);
  };

  it('lets a login through while neither the account nor the client is over its limit, handing on the user', async () => {
    await spend(`user:${user.id}`, '10.0.0.1');
    const req = buildRequest();

    await expect(sut.canActivate(contextFor(req).context)).resolves.toBe(true);
    expect(metrics.requestRateLimited).not.toHaveBeenCalled();
    expect(loginAttemptOf(req)?.user).toBe(user);
  });

  it('refuses a locked account with 429 and Retry-After in whole seconds, counting the lockout', async () => {
    for (let i = 0; i < 2; i += 1) await spend(`user:${user.id}`, '10.0.0.1');
    const { context, headers } = contextFor(buildRequest({ body: { email: '  A@X.io ' } }));

    const refused = sut.canActivate(context);

    await expect(refused).rejects.toBeInstanceOf(ProblemException);
    await expect(refused).rejects.toMatchObject({ status: 429, code: 'too_many_login_failures' });
    const retryAfter = Number(headers.get('Retry-After'));
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

    await expect(sut.canActivate(contextFor(req).context)).resolves.toBe(true);
    expect(loginAttemptOf(req)).toBeUndefined();
    expect(users.findForLogin).not.toHaveBeenCalled();
  });

  it('never asks a client to wait less than one second', async () => {
    const now = Date.now();
    for (let i = 0; i < 2; i += 1) await spend(`user:${user.id}`, '10.0.0.1', now - WINDOW + 200);
    const { context, headers } = contextFor(buildRequest());

    await expect(sut.canActivate(context)).rejects.toMatchObject({ status: 429 });
    expect(headers.get('Retry-After')).toBe('1');
  });
});

describe('clientOf', () => {
  it('uses the address express resolved, then the socket peer, then "unknown"', () => {
    expect(clientOf({ ip: '203.0.113.7', socket: { remoteAddress: '10.0.0.1' } } as Request)).toBe('203.0.113.7');
    const peer = (remoteAddress?: string) => automock(Socket, { remoteAddress });
    expect(clientOf(automock<Request>('Request', { ip: undefined, socket: peer('10.0.0.1') }))).toBe('10.0.0.1');
    expect(clientOf(automock<Request>('Request', { ip: undefined, socket: peer() }))).toBe('unknown');
  });
});
