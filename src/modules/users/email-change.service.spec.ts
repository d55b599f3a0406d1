import { Repository } from 'typeorm';
import type { AccountsConfig, ThrottleConfig } from '@/config/configuration';
import { RetryLaterProblem } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { EmailChangeService } from './email-change.service';
import type { User } from './entities/user.entity';
import { AccountMailJob, type AccountMail } from './mail/account-mail.job';
import { AccountActionBudgets } from './tokens/account-action-budgets';

describe(EmailChangeService.name, () => {
  const user = buildUser({ id: 'u1', email: 'old@example.com' });
  const request = { user, newEmail: 'new@example.com', client: '10.0.0.1', sessionId: 's1' };
  let users: jest.Mocked<Repository<User>>;
  let mails: jest.Mocked<AccountMailJob>;
  let queued: AccountMail[];
  let sut: EmailChangeService;

  beforeEach(() => {
    queued = [];
    users = automock(Repository<User>, { existsBy: async () => false });
    mails = automock(AccountMailJob, {
      queue: async (mail) => {
        queued.push(mail);
      },
    });
    const metrics = automock(AppMetrics, { requestRateLimited: () => undefined });
    const budgets = new AccountActionBudgets(
      { actionWindowMs: 60_000, actionLimitPerClient: 10, actionLimitPerAccount: 2 } as AccountsConfig,
      { failClosed: false } as ThrottleConfig,
      null,
      metrics,
    );
    sut = new EmailChangeService(users, budgets, mails);
  });

  it('queues the notice to the current address first, then the confirmation to the new one', async () => {
    await sut.request(request);
    expect(users.existsBy).toHaveBeenCalledWith({ email: 'new@example.com' });
    expect(queued).toEqual([
      { kind: 'email_change_notice', userId: 'u1', newEmail: 'new@example.com', oldEmail: 'old@example.com' },
      { kind: 'email_change', userId: 'u1', newEmail: 'new@example.com' },
    ]);
  });

  it('answers 409 email_taken for an address with an account, and queues nothing', async () => {
    users.existsBy.mockResolvedValue(true);
    await expect(sut.request(request)).rejects.toMatchObject({ status: 409, code: 'email_taken' });
    expect(queued).toEqual([]);
  });

  it('answers 503 mail_unavailable with Retry-After when the job store refuses the notice, and sends no link', async () => {
    mails.queue.mockRejectedValue(new Error('Connection is closed.'));
    const error = await sut.request(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryLaterProblem);
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable', retryAfterSeconds: 2 });
    expect(mails.queue).toHaveBeenCalledTimes(1);
  });

  it("refuses the account's requests over its budget before looking at the address", async () => {
    await sut.request(request);
    await sut.request({ ...request, client: '10.0.0.2' });
    users.existsBy.mockClear();

    await expect(sut.request({ ...request, client: '10.0.0.3' })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
    });
    expect(users.existsBy).not.toHaveBeenCalled();
    expect(queued).toHaveLength(4);
  });
});
