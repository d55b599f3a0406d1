import { Repository, SelectQueryBuilder } from 'typeorm';
import type { AuthConfig } from '@/config/configuration';
import { ConflictProblem, ProblemException } from '@/common/http/problem';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { transactionalManager } from '@test/support/transactions';
import { AccountChanges } from './account-changes';
import { EmailChangeService } from './email-change.service';
import { User } from './entities/user.entity';
import { HashingBusyError } from '@/infra/hashing/hashing-busy.error';
import { PasswordAttemptsService } from './password-attempts.service';
import { SessionsService } from './sessions/sessions.service';
import { AccountTokens } from './tokens/account-tokens.service';
import { UserDeletionService } from './user-deletion.service';
import { UserProfileCache } from './user-profile.cache';
import { toUserResponse } from './user.mapper';
import { UsersService } from './users.service';

describe(UsersService.name, () => {
  const caller = { id: 'u1', role: 'user' as const, sessionId: 's1', jti: 'j1' };
  let stored: User;
  let users: jest.Mocked<Repository<User>>;
  let hasher: jest.Mocked<PasswordHasher>;
  let sessions: jest.Mocked<SessionsService>;
  let changes: jest.Mocked<AccountChanges>;
  let metrics: jest.Mocked<AppMetrics>;
  let attempts: PasswordAttemptsService;
  let deletion: jest.Mocked<UserDeletionService>;
  let emailChange: jest.Mocked<EmailChangeService>;
  let tokens: jest.Mocked<AccountTokens>;
  let profiles: jest.Mocked<UserProfileCache>;
  let sut: UsersService;
  const limits = {
    loginMaxFailuresPerAccount: 2,
    loginMaxFailuresPerClient: 10,
    loginMaxFailuresPerAccountTotal: 10,
    loginFailureWindowMs: 60_000,
  } as AuthConfig;
  const client = '10.0.0.1';

  beforeEach(() => {
    stored = buildUser({ id: 'u1', passwordHash: 'old-hash' });
    const qb: jest.Mocked<SelectQueryBuilder<User>> = automock(SelectQueryBuilder<User>, {
      addSelect: () => qb,
      where: () => qb,
      getOne: async () => stored,
    });
    const manager = transactionalManager([[User, () => users]]);
    users = automock(Repository<User>, {
      get manager() {
        return manager;
      },
      createQueryBuilder: () => qb,
      update: async () => ({ raw: [], affected: 1, generatedMaps: [] }),
      findOneBy: async () => stored,
    });
    hasher = automock(PasswordHasher, { hash: async () => 'new-hash' });
    sessions = automock(SessionsService, {
      revokeAllForUserIn: async (_m, _id, reason) => ({ sessions: [], reason, count: 2 }),
      announce: async ({ count }) => count,
    });
    changes = automock(AccountChanges, { userChanged: async () => undefined });
    metrics = automock(AppMetrics, {
      loginFailed: () => undefined,
      requestRateLimited: () => undefined,
    });
    attempts = new PasswordAttemptsService(limits, null, metrics);
    deletion = automock(UserDeletionService, { delete: async () => undefined });
    emailChange = automock(EmailChangeService, { request: async () => undefined });
    tokens = automock(AccountTokens, { supersede: async () => undefined });
    profiles = automock(UserProfileCache);
    sut = new UsersService(
      users,
      hasher,
      sessions,
      profiles,
      changes,
      attempts,
      metrics,
      deletion,
      emailChange,
      tokens,
    );
  });

  it('changes the password only with the right current password, then revokes every other session', async () => {
    hasher.verify.mockResolvedValue(true);
    await sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'old' }, client);
    expect(hasher.verify).toHaveBeenCalledWith('old-hash', 'old');
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { passwordHash: 'new-hash' });
    // In the transaction of the new hash; the other nodes are told once it has committed.
    expect(sessions.revokeAllForUserIn).toHaveBeenCalledWith(users.manager, 'u1', 'password_change', 's1');
    expect(sessions.announce).toHaveBeenCalledWith({ sessions: [], reason: 'password_change', count: 2 });
    expect(tokens.supersede).toHaveBeenCalledWith('u1');
  });

  it('reports the changed user to every cache after the commit, so the next GET /users/me shows it', async () => {
    await sut.updateMe(caller, { name: 'New Name' }, client);
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { name: 'New Name' });
    expect(changes.userChanged).toHaveBeenCalledWith(stored);
    expect(users.update.mock.invocationCallOrder[0]).toBeLessThan(changes.userChanged.mock.invocationCallOrder[0]);
  });

  it('refuses a wrong current password with a field error and changes nothing', async () => {
    hasher.verify.mockResolvedValue(false);
    const error = await sut
      .updateMe(caller, { password: 'brand-new-password', currentPassword: 'bad' }, client)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).errors).toEqual([
      { field: 'currentPassword', message: 'currentPassword is incorrect' },
    ]);
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revokeAllForUserIn).not.toHaveBeenCalled();
    expect(metrics.loginFailed).toHaveBeenCalledWith('bad_credentials');
  });

  it("counts wrong current passwords on the account's login counters and refuses past the limit without verifying", async () => {
    hasher.verify.mockResolvedValue(false);
    const change = () => sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'guess' }, client);
    for (let i = 0; i < 2; i += 1) await expect(change()).rejects.toMatchObject({ status: 400 });
    hasher.verify.mockClear();

    await expect(change()).rejects.toMatchObject({ status: 429, code: 'too_many_login_failures' });
    expect(hasher.verify).not.toHaveBeenCalled();
    expect((await attempts.reserve('user:u1', client)).allowed).toBe(false);
  });

  it('does not count a check that hashing refused for load, and keeps the failures before it', async () => {
    const change = () => sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'guess' }, client);
    hasher.verify.mockResolvedValue(false);
    await expect(change()).rejects.toMatchObject({ status: 400 });
    const busy = new HashingBusyError(1);
    hasher.verify.mockRejectedValueOnce(busy);
    await expect(change()).rejects.toBe(busy);

    await expect(change()).rejects.toMatchObject({ status: 400 });
    await expect(change()).rejects.toMatchObject({ status: 429, code: 'too_many_login_failures' });
  });

  it('gives the reservation back when the current password is right', async () => {
    hasher.verify.mockResolvedValueOnce(false).mockResolvedValue(true);
    const change = (currentPassword: string) =>
      sut.updateMe(caller, { password: 'brand-new-password', currentPassword }, client);
    await expect(change('guess')).rejects.toMatchObject({ status: 400 });
    await change('old');
    await change('old');
    await expect(change('old')).resolves.toBe(stored);
  });

  it('renames without touching sessions', async () => {
    await sut.updateMe(caller, { name: 'New' }, client);
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { name: 'New' });
    expect(sessions.revokeAllForUserIn).not.toHaveBeenCalled();
  });

  it('asks for a new email only with the right current password, and writes nothing itself', async () => {
    stored.email = 'old@example.com';
    hasher.verify.mockResolvedValue(true);
    await expect(sut.updateMe(caller, { email: ' New@Example.com ', currentPassword: 'old' }, client)).resolves.toBe(
      stored,
    );
    expect(hasher.verify).toHaveBeenCalledWith('old-hash', 'old');
    expect(emailChange.request).toHaveBeenCalledWith({
      user: stored,
      newEmail: 'new@example.com',
      client,
      sessionId: 's1',
    });
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revokeAllForUserIn).not.toHaveBeenCalled();
  });

  it('refuses an email change with a wrong current password before asking for anything', async () => {
    hasher.verify.mockResolvedValue(false);
    const error = await sut
      .updateMe(caller, { email: 'new@example.com', currentPassword: 'bad' }, client)
      .catch((e) => e);
    expect((error as ProblemException).errors).toEqual([
      { field: 'currentPassword', message: 'currentPassword is incorrect' },
    ]);
    expect(emailChange.request).not.toHaveBeenCalled();
    expect(metrics.loginFailed).toHaveBeenCalledWith('bad_credentials');
  });

  it('counts wrong current passwords of email changes on the same counters as password changes', async () => {
    hasher.verify.mockResolvedValue(false);
    await expect(
      sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'guess' }, client),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      sut.updateMe(caller, { email: 'new@example.com', currentPassword: 'guess' }, client),
    ).rejects.toMatchObject({ status: 400 });

    await expect(
      sut.updateMe(caller, { email: 'new@example.com', currentPassword: 'guess' }, client),
    ).rejects.toMatchObject({ status: 429, code: 'too_many_login_failures' });
    expect(emailChange.request).not.toHaveBeenCalled();
  });

  it('takes the current address, in any spelling, as no change: no request, no mail', async () => {
    stored.email = 'same@example.com';
    hasher.verify.mockResolvedValue(true);
    await sut.updateMe(caller, { email: 'SAME@example.com', currentPassword: 'old' }, client);
    expect(hasher.verify).toHaveBeenCalledTimes(1);
    expect(emailChange.request).not.toHaveBeenCalled();
  });

  it('checks currentPassword once for a password and an email, and writes only after the request', async () => {
    hasher.verify.mockResolvedValue(true);
    await sut.updateMe(
      caller,
      { password: 'brand-new-password', email: 'new@example.com', currentPassword: 'old' },
      client,
    );
    expect(hasher.verify).toHaveBeenCalledTimes(1);
    expect(emailChange.request.mock.invocationCallOrder[0]).toBeLessThan(users.update.mock.invocationCallOrder[0]);
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { passwordHash: 'new-hash' });
  });

  it('changes nothing when the email change is refused, not even the password or name in the same body', async () => {
    hasher.verify.mockResolvedValue(true);
    emailChange.request.mockRejectedValue(new ProblemException(409, 'email_taken', 'Taken.'));
    await expect(
      sut.updateMe(
        caller,
        { name: 'New', password: 'brand-new-password', email: 'taken@example.com', currentPassword: 'old' },
        client,
      ),
    ).rejects.toMatchObject({ code: 'email_taken' });
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revokeAllForUserIn).not.toHaveBeenCalled();
  });

  it('answers 404 for someone else’s id to a non-admin without reading it, and serves an admin', async () => {
    const error = await sut.getVisibleTo(caller, 'u2').catch((e) => e);
    expect((error as ProblemException).getStatus()).toBe(404);
    expect(users.findOneBy).not.toHaveBeenCalled();
    profiles.get.mockImplementation(async (_id, load) => toUserResponse(await load()));
    await expect(sut.getVisibleTo({ ...caller, role: 'admin' }, 'u1')).resolves.toEqual(toUserResponse(stored));
  });

  it('answers 409 for a taken email before hashing anything', async () => {
    users.existsBy.mockResolvedValue(true);
    const error = await sut.create({ email: ' Taken@X.io ', password: 'pw', name: 'n' }).catch((e) => e);
    expect((error as ProblemException).code).toBe('email_taken');
    expect(users.existsBy).toHaveBeenCalledWith({ email: 'taken@x.io' });
    expect(hasher.hash).not.toHaveBeenCalled();
  });

  describe('deleteMe', () => {
    const remove = (currentPassword: string) => sut.deleteMe(caller, { currentPassword }, client);

    it('deletes the account only after the right current password', async () => {
      hasher.verify.mockResolvedValue(true);
      await remove('old');
      expect(hasher.verify).toHaveBeenCalledWith('old-hash', 'old');
      expect(deletion.delete).toHaveBeenCalledWith('u1');
    });

    it('refuses a wrong current password with a field error and deletes nothing', async () => {
      hasher.verify.mockResolvedValue(false);
      const error = await remove('bad').catch((e) => e);
      expect((error as ProblemException).errors).toEqual([
        { field: 'currentPassword', message: 'currentPassword is incorrect' },
      ]);
      expect(deletion.delete).not.toHaveBeenCalled();
      expect(metrics.loginFailed).toHaveBeenCalledWith('bad_credentials');
    });

    it('counts wrong guesses on the login counters shared with a password change, and refuses past the limit', async () => {
      hasher.verify.mockResolvedValue(false);
      await expect(remove('guess')).rejects.toMatchObject({ status: 400 });
      await expect(
        sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'guess' }, client),
      ).rejects.toMatchObject({ status: 400 });
      hasher.verify.mockClear();

      await expect(remove('old')).rejects.toMatchObject({ status: 429, code: 'too_many_login_failures' });
      expect(hasher.verify).not.toHaveBeenCalled();
      expect(deletion.delete).not.toHaveBeenCalled();
    });

    it('does not count a check that hashing refused for load', async () => {
      hasher.verify.mockResolvedValueOnce(false);
      await expect(remove('guess')).rejects.toMatchObject({ status: 400 });
      const busy = new HashingBusyError(1);
      hasher.verify.mockRejectedValueOnce(busy);
      await expect(remove('old')).rejects.toBe(busy);

      hasher.verify.mockResolvedValue(true);
      await remove('old');
      expect(deletion.delete).toHaveBeenCalledTimes(1);
    });

    it('passes the last-admin refusal on and reports no deletion', async () => {
      hasher.verify.mockResolvedValue(true);
      const refused = new ConflictProblem('last_admin', 'last');
      deletion.delete.mockRejectedValue(refused);
      await expect(remove('old')).rejects.toBe(refused);
    });
  });
});
