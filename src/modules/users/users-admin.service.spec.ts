import { Repository } from 'typeorm';
import { ProblemException } from '@/common/http/problem';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AccountChanges } from './account-changes';
import type { User } from './entities/user.entity';
import { LastAdminRule } from './last-admin.rule';
import { SessionsService } from './sessions/sessions.service';
import { UserDeletionService } from './user-deletion.service';
import { likeContains, UsersAdminService } from './users-admin.service';
import { UsersService } from './users.service';

describe('likeContains', () => {
  it('wraps the lower-cased term in wildcards', () => {
    expect(likeContains('Ada')).toBe('%ada%');
  });

  it('escapes LIKE wildcards and the escape character itself, and leaves quotes and backslashes as data', () => {
    expect(likeContains('100%_done!')).toBe('%100!%!_done!!%');
    expect(likeContains(`a'b\\c`)).toBe(`%a'b\\c%`);
  });
});

describe(UsersAdminService.name, () => {
  let accounts: jest.Mocked<UsersService>;
  let sut: UsersAdminService;

  beforeEach(() => {
    accounts = automock(UsersService, {
      create: async (input, role) => buildUser({ email: input.email, name: input.name, role }),
    });
    sut = new UsersAdminService(
      automock(Repository<User>),
      automock(SessionsService),
      automock(AccountChanges),
      automock(LastAdminRule),
      automock(UserDeletionService),
      accounts,
    );
  });

  it('creates a user with the given password, in the role user unless another is given', async () => {
    const user = await sut.create({ email: 'a@x.io', name: 'A', password: 'a-good-password' });
    expect(user.role).toBe('user');
    expect(accounts.create).toHaveBeenCalledWith({ email: 'a@x.io', name: 'A', password: 'a-good-password' }, 'user');

    await sut.create({ email: 'b@x.io', name: 'B', password: 'a-good-password', role: 'admin' });
    expect(accounts.create).toHaveBeenLastCalledWith(
      { email: 'b@x.io', name: 'B', password: 'a-good-password' },
      'admin',
    );
  });

  it('refuses a user without a password on the password field, before storing anything', async () => {
    const error = await sut.create({ email: 'a@x.io', name: 'A' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).getStatus()).toBe(400);
    expect((error as ProblemException).errors).toEqual([
      { field: 'password', message: expect.stringMatching(/invitations/) },
    ]);
    expect(accounts.create).not.toHaveBeenCalled();
  });
});
