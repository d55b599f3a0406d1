import type { AccountsConfig } from '@/config/configuration';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { HashingBusyError } from '@/infra/hashing/hashing-busy.error';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { WelcomeMailJob } from '@/modules/users/mail/welcome-mail.job';
import { UsersService } from '@/modules/users/users.service';
import { ProblemException } from '@/common/http/problem';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AuthService } from './auth.service';
import { SessionsService } from '@/modules/users/sessions/sessions.service';
import { TokenService } from './token.service';

describe(AuthService.name, () => {
  const pair = { accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer' as const, expiresIn: 900 };
  const client = { userAgent: 'Spec/1.0', ip: '203.0.113.5' };
  let users: jest.Mocked<UsersService>;
  let hasher: jest.Mocked<PasswordHasher>;
  let sessions: jest.Mocked<SessionsService>;
  let attempt: { succeeded: jest.Mock<Promise<void>, []>; cancel: jest.Mock<Promise<void>, []> };
  let metrics: jest.Mocked<AppMetrics>;
  let sut: AuthService;
  let build: (accounts: Partial<AccountsConfig>) => AuthService;

  beforeEach(() => {
    users = automock(UsersService);
    hasher = automock(PasswordHasher, { verifyDummy: async () => undefined });
    sessions = automock(SessionsService, {
      start: async () => ({ sessionId: 's1', refreshToken: 'r', sessionEndsAt: new Date() }),
      revoke: async () => 1,
    });
    attempt = { succeeded: jest.fn(async () => undefined), cancel: jest.fn(async () => undefined) };
    metrics = automock(AppMetrics, { loginFailed: () => undefined, loginSucceeded: () => undefined });
    const tokens = automock(TokenService, { pair: async () => pair });
    build = (accounts) =>
      new AuthService(users, hasher, sessions, tokens, metrics, automock(WelcomeMailJob), accounts as AccountsConfig);
    sut = build({ requireVerifiedEmail: false });
  });

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProblemException);
    const problem = error as ProblemException;
    return { status: problem.getStatus(), code: problem.code, detail: problem.detail };
  };

  it('spends one dummy hash for an unknown email and fails like a wrong password', async () => {
    const unknown = await failure(sut.login({ email: 'Nobody@X.io', password: 'pw' }, { user: null, attempt }, client));
    expect(hasher.verifyDummy).toHaveBeenCalledTimes(1);
    expect(hasher.verify).not.toHaveBeenCalled();

    hasher.verify.mockResolvedValue(false);
    const user = buildUser({ email: 'a@x.io' });
    const wrong = await failure(sut.login({ email: 'a@x.io', password: 'bad' }, { user, attempt }, client));
    expect(hasher.verify).toHaveBeenCalledTimes(1);
    expect(hasher.verifyDummy).toHaveBeenCalledTimes(1);

    expect(unknown).toEqual({
      status: 401,
      code: 'invalid_credentials',
      detail: 'The email or password is incorrect.',
    });
    expect(wrong).toEqual(unknown);
    expect(attempt.succeeded).not.toHaveBeenCalled();
    expect(attempt.cancel).not.toHaveBeenCalled();
    expect(metrics.loginFailed).toHaveBeenCalledWith('bad_credentials');
    expect(sessions.start).not.toHaveBeenCalled();
  });

  it('refuses a deactivated account with the right password, after spending the same hash', async () => {
    hasher.verify.mockResolvedValue(true);
    const user = buildUser({ isActive: false });
    const error = await failure(sut.login({ email: 'a@x.io', password: 'right' }, { user, attempt }, client));
    expect(error.code).toBe('invalid_credentials');
    expect(hasher.verify).toHaveBeenCalledTimes(1);
    expect(sessions.start).not.toHaveBeenCalled();
  });

  it('opens a session, gives back the reserved attempt and returns the pair on success', async () => {
    const user = buildUser({ email: 'a@x.io' });
    hasher.verify.mockResolvedValue(true);
    await expect(sut.login({ email: 'A@x.io', password: 'right' }, { user, attempt }, client)).resolves.toEqual(pair);
    expect(sessions.start).toHaveBeenCalledWith(user.id, client);
    expect(attempt.succeeded).toHaveBeenCalledTimes(1);
    expect(metrics.loginSucceeded).toHaveBeenCalled();
  });

  it('with REQUIRE_VERIFIED_EMAIL refuses an unverified account only once its password proved right', async () => {
    sut = build({ requireVerifiedEmail: true });
    const user = buildUser({ emailVerified: false });
    hasher.verify.mockResolvedValue(false);
    expect((await failure(sut.login({ email: user.email, password: 'bad' }, { user, attempt }, client))).status).toBe(
      401,
    );
    expect(attempt.succeeded).not.toHaveBeenCalled();

    hasher.verify.mockResolvedValue(true);
    const refused = await failure(sut.login({ email: user.email, password: 'right' }, { user, attempt }, client));
    expect(refused).toMatchObject({ status: 403, code: 'email_not_verified' });
    expect(refused.detail).toContain('forgot password');
    // The password was right: not a guess, so it does not count against the account's limits.
    expect(attempt.succeeded).toHaveBeenCalledTimes(1);
    expect(sessions.start).not.toHaveBeenCalled();

    const verified = buildUser({ emailVerified: true });
    await expect(
      sut.login({ email: verified.email, password: 'right' }, { user: verified, attempt }, client),
    ).resolves.toEqual(pair);
  });

  it('cancels the reserved attempt (not a success) when hashing refuses the login for load, and counts no failure', async () => {
    const busy = new HashingBusyError(2);
    hasher.verify.mockRejectedValue(busy);
    hasher.verifyDummy.mockRejectedValue(busy);

    await expect(sut.login({ email: 'a@x.io', password: 'pw' }, { user: buildUser(), attempt }, client)).rejects.toBe(
      busy,
    );
    await expect(sut.login({ email: 'b@x.io', password: 'pw' }, { user: null, attempt }, client)).rejects.toBe(busy);

    expect(attempt.cancel).toHaveBeenCalledTimes(2);
    expect(attempt.succeeded).not.toHaveBeenCalled();
    expect(metrics.loginFailed).not.toHaveBeenCalled();
  });

  it('keeps the reserved attempt when the hashing thread failed for another reason', async () => {
    hasher.verify.mockRejectedValue(new Error('password hashing thread exited with code 1'));

    await expect(
      sut.login({ email: 'a@x.io', password: 'pw' }, { user: buildUser(), attempt }, client),
    ).rejects.toThrow('hashing thread exited');
    expect(attempt.succeeded).not.toHaveBeenCalled();
    expect(attempt.cancel).not.toHaveBeenCalled();
  });

  it('on logout revokes the caller’s session, and another session only when it is the caller’s own', async () => {
    const caller = { id: 'u1', role: 'user' as const, sessionId: 's1', jti: 'j' };
    sessions.sessionOfRefreshToken.mockResolvedValue({ id: 's2', userId: 'someone-else' });
    await sut.logout(caller, 'r');
    expect(sessions.revoke.mock.calls).toEqual([['s1', 'logout']]);

    sessions.revoke.mockClear();
    sessions.sessionOfRefreshToken.mockResolvedValue({ id: 's3', userId: 'u1' });
    await sut.logout(caller, 'r');
    expect(sessions.revoke.mock.calls).toEqual([
      ['s1', 'logout'],
      ['s3', 'logout'],
    ]);
  });
});
