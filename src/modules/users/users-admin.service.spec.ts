import { Repository } from 'typeorm';
import { RetryLaterProblem } from '@/common/http/problem';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AccountChanges } from './account-changes';
import type { User } from './entities/user.entity';
import { LastAdminRule } from './last-admin.rule';
import { AccountMailJob } from './mail/account-mail.job';
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
  let users: jest.Mocked<Repository<User>>;
  let mails: jest.Mocked<AccountMailJob>;
  let sut: UsersAdminService;

  beforeEach(() => {
    accounts = automock(UsersService, {
      create: async (input, role) => buildUser({ email: input.email, name: input.name, role }),
    });
    users = automock(Repository<User>, {
      delete: async () => ({ raw: [], affected: 1 }),
    });
    mails = automock(AccountMailJob, { queue: async () => undefined });
    sut = new UsersAdminService(
      users,
      automock(SessionsService),
      automock(AccountChanges),
      automock(LastAdminRule),
      automock(UserDeletionService),
      accounts,
      mails,
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

  it('invites a user without a password: a random password no one is told, and an invitation mail', async () => {
    const user = await sut.create({ email: 'a@x.io', name: 'A', role: 'admin' });
    await sut.create({ email: 'b@x.io', name: 'B' });

    const [first, second] = accounts.create.mock.calls;
    expect(first).toEqual([{ email: 'a@x.io', name: 'A', password: expect.stringMatching(/^[\w-]{43}$/) }, 'admin']);
    expect(second[0].password).not.toBe(first[0].password);
    expect(mails.queue).toHaveBeenCalledWith({ kind: 'invitation', userId: user.id });
    expect(users.delete).not.toHaveBeenCalled();
  });

  it('deletes the invited account again and answers 503 mail_unavailable when the mail cannot be queued', async () => {
    mails.queue.mockRejectedValue(new Error('Connection is closed.'));
    const error = await sut.create({ email: 'a@x.io', name: 'A' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RetryLaterProblem);
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable' });
    const created = await accounts.create.mock.results[0].value;
    expect(users.delete).toHaveBeenCalledWith({ id: (created as User).id });
  });
});
