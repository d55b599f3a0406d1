import { Logger } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ProblemException } from '@/common/http/problem';
import { HashingBusyError } from '@/infra/hashing/hashing-busy.error';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { transactionalManager } from '@test/support/transactions';
import { AccountChanges } from '../account-changes';
import { User } from '../entities/user.entity';
import { AccountMailJob } from '../mail/account-mail.job';
import { SessionsService } from '../sessions/sessions.service';
import { AccountActionBudgets } from '../tokens/account-action-budgets';
import { AccountTokens, InvalidTokenProblem } from '../tokens/account-tokens.service';
import type { AccountToken, TokenPurpose } from '../tokens/entities/account-token.entity';
import { PasswordResetService } from './password-reset.service';

describe(PasswordResetService.name, () => {
  const client = '10.0.0.1';
  const TOKEN = 'a'.repeat(43);
  let stored: User;
  let link: AccountToken | null;
  let users: jest.Mocked<Repository<User>>;
  let tokens: jest.Mocked<AccountTokens>;
  let budgets: jest.Mocked<AccountActionBudgets>;
  let mail: jest.Mocked<AccountMailJob>;
  let hasher: jest.Mocked<PasswordHasher>;
  let sessions: jest.Mocked<SessionsService>;
  let changes: jest.Mocked<AccountChanges>;
  let metrics: jest.Mocked<AppMetrics>;
  let sut: PasswordResetService;

  const linkOf = (purpose: TokenPurpose, email: string | null): AccountToken =>
    ({ id: 't1', userId: stored.id, purpose, email, tokenHash: 'h', usedAt: null }) as AccountToken;

  // The audit lines of the successful resets would only clutter the output.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(true));

  beforeEach(() => {
    stored = buildUser({ email: 'ada@example.com', emailVerified: false });
    link = linkOf('reset_password', stored.email);
    const manager = transactionalManager([[User, () => users]]);
    users = automock(Repository<User>, {
      get manager() {
        return manager;
      },
      findOneBy: async () => stored,
      findOneByOrFail: async () => stored,
      update: async () => ({ raw: [], affected: 1, generatedMaps: [] }),
    });
    tokens = automock(AccountTokens, {
      peek: async (_token, purpose) => (link?.purpose === purpose ? link : null),
      consume: async () => link!,
      supersede: async () => undefined,
    });
    budgets = automock(AccountActionBudgets, { take: async () => undefined });
    mail = automock(AccountMailJob, { queue: async () => undefined });
    hasher = automock(PasswordHasher, { hash: async () => 'new-hash' });
    sessions = automock(SessionsService, {
      revokeAllForUserIn: async (_m, _id, reason) => ({ sessions: [], reason, count: 2 }),
      announce: async ({ count }) => count,
    });
    changes = automock(AccountChanges, { userChanged: async () => undefined });
    metrics = automock(AppMetrics, { passwordReset: () => undefined });
    sut = new PasswordResetService(users, tokens, budgets, mail, hasher, sessions, changes, metrics);
  });

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  describe('forgot', () => {
    it('counts the client and the normalised address, and queues the mail without looking the address up', async () => {
      await sut.forgot('Ada@Example.com', client);
      expect(budgets.take).toHaveBeenCalledWith('password_forgot', { client, account: 'email:ada@example.com' });
      expect(mail.queue).toHaveBeenCalledWith({ kind: 'password_reset', email: 'Ada@Example.com' });
      expect(users.findOneBy).not.toHaveBeenCalled();
    });

    it('answers 503 mail_unavailable when the job store refuses the mail', async () => {
      mail.queue.mockRejectedValue(new Error('connect ECONNREFUSED'));
      const error = await failure(sut.forgot('ada@example.com', client));
      expect(error).toBeInstanceOf(ProblemException);
      expect((error as ProblemException).getStatus()).toBe(503);
      expect((error as ProblemException).code).toBe('mail_unavailable');
    });
  });

  describe('reset', () => {
    it('sets the password, verifies the mailed address and ends every session', async () => {
      await sut.reset(TOKEN, 'brand-new-password', client);
      expect(budgets.take).toHaveBeenNthCalledWith(1, 'password_reset', { client });
      expect(budgets.take).toHaveBeenNthCalledWith(2, 'password_reset', { account: `user:${stored.id}` });
      expect(users.update).toHaveBeenCalledWith(
        { id: stored.id },
        { passwordHash: 'new-hash', sessionsValidAfter: expect.any(Date), emailVerified: true },
      );
      // Every other link of the account, of any purpose, dies with the old password, in the same transaction.
      expect(tokens.supersede).toHaveBeenCalledWith(stored.id, undefined, expect.any(Date), users.manager);
      expect(tokens.consume).toHaveBeenCalledWith(TOKEN, 'reset_password', expect.any(Date), users.manager);
      expect(changes.userChanged).toHaveBeenCalledWith(stored);
      expect(sessions.revokeAllForUserIn).toHaveBeenCalledWith(users.manager, stored.id, 'password_reset');
      // The other nodes hear of the revocations only once they have committed.
      expect(sessions.announce).toHaveBeenCalledWith({ sessions: [], reason: 'password_reset', count: 2 });
      expect(metrics.passwordReset).toHaveBeenCalledWith('success');
    });

    it('accepts an invitation link and spends it under its own purpose', async () => {
      link = linkOf('invitation', stored.email);
      await sut.reset(TOKEN, 'brand-new-password', client);
      expect(tokens.peek).toHaveBeenCalledWith(TOKEN, 'reset_password');
      expect(tokens.consume).toHaveBeenCalledWith(TOKEN, 'invitation', expect.any(Date), users.manager);
    });

    it('refuses a link mailed to an address the account no longer has, spending nothing', async () => {
      link = linkOf('reset_password', 'old@example.com');
      await expect(sut.reset(TOKEN, 'brand-new-password', client)).rejects.toBeInstanceOf(InvalidTokenProblem);
      expect(tokens.consume).not.toHaveBeenCalled();
      expect(users.update).not.toHaveBeenCalled();
    });

    it('refuses an unknown link like any other, before counting an account or hashing', async () => {
      link = null;
      await expect(sut.reset(TOKEN, 'brand-new-password', client)).rejects.toBeInstanceOf(InvalidTokenProblem);
      expect(budgets.take).toHaveBeenCalledTimes(1);
      expect(hasher.hash).not.toHaveBeenCalled();
      expect(metrics.passwordReset).toHaveBeenCalledWith('invalid_token');
    });

    it('refuses the link of a deactivated account without spending it', async () => {
      stored.isActive = false;
      await expect(sut.reset(TOKEN, 'brand-new-password', client)).rejects.toBeInstanceOf(InvalidTokenProblem);
      expect(tokens.consume).not.toHaveBeenCalled();
      expect(users.update).not.toHaveBeenCalled();
    });

    it('keeps the link usable when hashing is refused for load', async () => {
      hasher.hash.mockRejectedValue(new HashingBusyError(1));
      await expect(sut.reset(TOKEN, 'brand-new-password', client)).rejects.toBeInstanceOf(HashingBusyError);
      expect(tokens.consume).not.toHaveBeenCalled();
      expect(metrics.passwordReset).not.toHaveBeenCalled();
    });

    it('changes nothing and counts an invalid link when a concurrent reset spent it first', async () => {
      tokens.consume.mockRejectedValue(new InvalidTokenProblem());
      await expect(sut.reset(TOKEN, 'brand-new-password', client)).rejects.toBeInstanceOf(InvalidTokenProblem);
      expect(users.update).not.toHaveBeenCalled();
      expect(sessions.revokeAllForUserIn).not.toHaveBeenCalled();
      expect(sessions.announce).not.toHaveBeenCalled();
      expect(metrics.passwordReset).toHaveBeenCalledWith('invalid_token');
    });
  });
});
