import { Repository } from 'typeorm';
import { ProblemException, RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AccountChanges } from '../account-changes';
import { User } from '../entities/user.entity';
import { AccountMailJob } from '../mail/account-mail.job';
import { AccountActionBudgets } from '../tokens/account-action-budgets';
import { AccountTokens, InvalidTokenProblem } from '../tokens/account-tokens.service';
import { AccountToken, TokenPurpose } from '../tokens/entities/account-token.entity';
import { EmailVerificationService } from './email-verification.service';

const TOKEN = 'q3Zk8V1cJm0yR2xWfH7tLw9bN4sD6aE5uPiGoTjKlMn';

describe(EmailVerificationService.name, () => {
  let user: User;
  let users: jest.Mocked<Repository<User>>;
  let tokens: jest.Mocked<AccountTokens>;
  let changes: jest.Mocked<AccountChanges>;
  let mail: jest.Mocked<AccountMailJob>;
  let budgets: jest.Mocked<AccountActionBudgets>;
  let metrics: jest.Mocked<AppMetrics>;
  let sut: EmailVerificationService;

  const tokenRow = (purpose: TokenPurpose, email: string | null): AccountToken =>
    Object.assign(new AccountToken(), { id: 't1', userId: user.id, purpose, email, tokenHash: 'h' });
  /** A token that exists for `purpose` only: the other purpose refuses it, as the hashes do. */
  const spendsAs = (purpose: TokenPurpose, email: string | null) =>
    tokens.consume.mockImplementation(async (_token, asked) => {
      if (asked !== purpose) throw new InvalidTokenProblem();
      return tokenRow(purpose, email);
    });
  const updated = (affected: number) => users.update.mockResolvedValue({ raw: [], affected, generatedMaps: [] });

  beforeEach(() => {
    user = buildUser({ email: 'ada@example.com' });
    users = automock(Repository<User>, { findOneBy: async () => user });
    tokens = automock(AccountTokens, { supersede: async () => undefined });
    changes = automock(AccountChanges, { userChanged: async () => undefined });
    mail = automock(AccountMailJob);
    budgets = automock(AccountActionBudgets, { take: async () => undefined });
    metrics = automock(AppMetrics, { emailVerification: () => undefined });
    sut = new EmailVerificationService(users, tokens, changes, mail, budgets, metrics);
  });

  it('verifies only while the address is the one the link was sent to, in one conditional update', async () => {
    spendsAs('verify_email', user.email);
    updated(1);
    await sut.verify(TOKEN);
    expect(users.update).toHaveBeenCalledWith({ id: user.id, email: user.email }, { emailVerified: true });
    expect(changes.userChanged).toHaveBeenCalledWith(user);
    expect(metrics.emailVerification).toHaveBeenCalledWith('success');

    updated(0);
    await expect(sut.verify(TOKEN)).rejects.toBeInstanceOf(InvalidTokenProblem);
    expect(metrics.emailVerification).toHaveBeenLastCalledWith('invalid_token');
    expect(changes.userChanged).toHaveBeenCalledTimes(1);
  });

  it('applies an email change token, normalised, and voids the other links of the user', async () => {
    spendsAs('change_email', ' New@Example.COM ');
    updated(1);
    await sut.verify(TOKEN);
    expect(tokens.consume.mock.calls.map((call) => call[1])).toEqual(['verify_email', 'change_email']);
    expect(users.update).toHaveBeenCalledWith({ id: user.id }, { email: 'new@example.com', emailVerified: true });
    expect(tokens.supersede.mock.calls).toEqual([[user.id]]);
    expect(changes.userChanged).toHaveBeenCalledTimes(1);
  });

  it('answers 409 email_taken when the unique index refuses the new address', async () => {
    spendsAs('change_email', 'taken@example.com');
    users.update.mockRejectedValue(Object.assign(new Error('duplicate key'), { code: '23505' }));
    const error = await sut.verify(TOKEN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ code: 'email_taken' });
    expect(tokens.supersede).not.toHaveBeenCalled();
    expect(changes.userChanged).not.toHaveBeenCalled();
  });

  it('lets a store failure through rather than calling the link invalid', async () => {
    const down = new Error('connection refused');
    tokens.consume.mockRejectedValue(down);
    await expect(sut.verify(TOKEN)).rejects.toBe(down);
    expect(metrics.emailVerification).not.toHaveBeenCalled();
  });

  it('refuses a resend for a verified address before spending any budget', async () => {
    user.emailVerified = true;
    await expect(sut.resend(user.id, '10.0.0.1')).rejects.toMatchObject({ code: 'email_already_verified' });
    expect(budgets.take).not.toHaveBeenCalled();
  });

  it('counts a resend against the client and the account, and answers 503 when the job is refused', async () => {
    mail.queue.mockResolvedValueOnce(undefined);
    await sut.resend(user.id, '10.0.0.1');
    expect(budgets.take).toHaveBeenCalledWith('email_resend', { client: '10.0.0.1', account: `user:${user.id}` });
    expect(mail.queue).toHaveBeenCalledWith({ kind: 'verification', userId: user.id });

    mail.queue.mockRejectedValueOnce(new Error('Connection is closed.'));
    const error = await sut.resend(user.id, '10.0.0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterProblem);
    expect(error).toMatchObject({ code: 'mail_unavailable', retryAfterSeconds: 2 });
    expect((error as RetryLaterProblem).getStatus()).toBe(503);
  });
});
