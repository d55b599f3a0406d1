import { Repository, SelectQueryBuilder } from 'typeorm';
import { ProblemException } from '@/common/http/problem';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AccountChanges } from './account-changes';
import type { User } from './entities/user.entity';
import { SessionsService } from './sessions/sessions.service';
import { UserProfileCache } from './user-profile.cache';
import { UsersService } from './users.service';

describe(UsersService.name, () => {
  const caller = { id: 'u1', role: 'user' as const, sessionId: 's1', jti: 'j1' };
  let stored: User;
  let users: jest.Mocked<Repository<User>>;
  let hasher: jest.Mocked<PasswordHasher>;
  let sessions: jest.Mocked<SessionsService>;
  let changes: jest.Mocked<AccountChanges>;
  let sut: UsersService;

  beforeEach(() => {
    stored = buildUser({ id: 'u1', passwordHash: 'old-hash' });
    const qb: jest.Mocked<SelectQueryBuilder<User>> = automock(SelectQueryBuilder<User>, {
      addSelect: () => qb,
      where: () => qb,
      getOne: async () => stored,
    });
    users = automock(Repository<User>, {
      createQueryBuilder: () => qb,
      update: async () => ({ raw: [], affected: 1, generatedMaps: [] }),
      findOneBy: async () => stored,
    });
    hasher = automock(PasswordHasher, { hash: async () => 'new-hash' });
    sessions = automock(SessionsService, { revokeAllForUser: async () => 2 });
    changes = automock(AccountChanges, { userChanged: async () => undefined });
    sut = new UsersService(users, hasher, sessions, automock(UserProfileCache), changes);
  });

  it('changes the password only with the right current password, then revokes every other session', async () => {
    hasher.verify.mockResolvedValue(true);
    await sut.updateMe(caller, { password: 'brand-new-password', currentPassword: 'old' });
    expect(hasher.verify).toHaveBeenCalledWith('old-hash', 'old');
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { passwordHash: 'new-hash' });
    expect(sessions.revokeAllForUser).toHaveBeenCalledWith('u1', 'password_change', 's1');
  });

  it('reports the changed user to every cache after the commit, so the next GET /users/me shows it', async () => {
    await sut.updateMe(caller, { name: 'New Name' });
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { name: 'New Name' });
    expect(changes.userChanged).toHaveBeenCalledWith(stored);
    expect(users.update.mock.invocationCallOrder[0]).toBeLessThan(changes.userChanged.mock.invocationCallOrder[0]);
  });

  it('refuses a wrong current password with a field error and changes nothing', async () => {
    hasher.verify.mockResolvedValue(false);
    const error = await sut
      .updateMe(caller, { password: 'brand-new-password', currentPassword: 'bad' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).errors).toEqual([
      { field: 'currentPassword', message: 'currentPassword is incorrect' },
    ]);
    expect(users.update).not.toHaveBeenCalled();
    expect(sessions.revokeAllForUser).not.toHaveBeenCalled();
  });

  it('renames without touching sessions', async () => {
    await sut.updateMe(caller, { name: 'New' });
    expect(users.update).toHaveBeenCalledWith({ id: 'u1' }, { name: 'New' });
    expect(sessions.revokeAllForUser).not.toHaveBeenCalled();
  });

  it('answers 404 for someone else’s id to a non-admin without reading it, and serves an admin', async () => {
    const error = await sut.getVisibleTo(caller, 'u2').catch((e) => e);
    expect((error as ProblemException).getStatus()).toBe(404);
    expect(users.findOneBy).not.toHaveBeenCalled();
    await expect(sut.getVisibleTo({ ...caller, role: 'admin' }, 'u1')).resolves.toBe(stored);
  });

  it('answers 409 for a taken email before hashing anything', async () => {
    users.existsBy.mockResolvedValue(true);
    const error = await sut.create({ email: ' Taken@X.io ', password: 'pw', name: 'n' }).catch((e) => e);
    expect((error as ProblemException).code).toBe('email_taken');
    expect(users.existsBy).toHaveBeenCalledWith({ email: 'taken@x.io' });
    expect(hasher.hash).not.toHaveBeenCalled();
  });
});
