import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConflictProblem, NotFoundProblem } from '@/common/http/problem';
import { isUniqueViolation } from '@/config/database-driver';
import { audit } from '@/infra/logging/audit-log';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { AccountChanges } from '../account-changes';
import { normaliseEmail } from '../email-address';
import { User } from '../entities/user.entity';
import { AccountMailJob } from '../mail/account-mail.job';
import { MailUnavailableProblem } from '../mail/mail-unavailable.problem';
import { AccountActionBudgets } from '../tokens/account-action-budgets';
import { AccountTokens, InvalidTokenProblem } from '../tokens/account-tokens.service';
import type { AccountToken } from '../tokens/entities/account-token.entity';

const emailTaken = () =>
  new ConflictProblem(
    'email_taken',
    'Another account has taken this email address meanwhile; the change was not made.',
  );

/**
 * The links of verification and email change mails (README, "Email verification"), and
 * the resend of a verification mail. Following a link proves the mailbox, never the
 * person at the keyboard, so it needs no sign-in; an email change does not revoke
 * sessions either, since its owner was signed in to ask and proved both addresses.
 */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tokens: AccountTokens,
    private readonly changes: AccountChanges,
    private readonly mail: AccountMailJob,
    private readonly budgets: AccountActionBudgets,
    private readonly metrics: AppMetrics,
  ) {}

  /**
   * Spends `token` and verifies the address it was sent to, or applies the email change
   * it confirms. Every link that cannot be used, for whatever reason, is one 400.
   */
  async verify(token: string): Promise<void> {
    const row = await this.spend(token);
    let applied: User | undefined;
    if (row?.purpose === 'verify_email') applied = await this.markVerified(row);
    if (row?.purpose === 'change_email') applied = await this.applyChange(row);
    if (!applied) {
      this.metrics.emailVerification('invalid_token');
      throw new InvalidTokenProblem();
    }
    this.metrics.emailVerification('success');
    await this.changes.userChanged(applied);
  }

  /**
   * Queues a new verification mail for the caller's current address (the job mints its
   * link and so supersedes the earlier ones). 409 once verified; the budget is only spent
   * on a mail that would be sent.
   */
  async resend(userId: string, client: string): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new NotFoundProblem('No user with this id.');
    if (user.emailVerified) {
      throw new ConflictProblem('email_already_verified', 'The email address of this account is verified already.');
    }
    await this.budgets.take('email_resend', { client, account: `user:${user.id}` });
    try {
      await this.mail.queue({ kind: 'verification', userId: user.id });
    } catch (error) {
      // The caller asked for this mail: tell them to retry rather than pretend it will come.
      this.logger.error(
        { userId: user.id, err: { message: error instanceof Error ? error.message : String(error) } },
        `The verification mail of user ${user.id} could not be queued`,
      );
      throw new MailUnavailableProblem(
        'The mail cannot be queued right now; retry after the number of seconds in Retry-After.',
      );
    }
  }

  /**
   * The token as either purpose it may have. Purposes are bound into the stored hash, so
   * a value matches at most one, and of concurrent uses exactly one is answered the row.
   */
  private async spend(token: string): Promise<AccountToken | undefined> {
    for (const purpose of ['verify_email', 'change_email'] as const) {
      try {
        return await this.tokens.consume(token, purpose);
      } catch (error) {
        if (!(error instanceof InvalidTokenProblem)) throw error;
      }
    }
    return undefined;
  }

  /**
   * Only while the address is still the one the link was sent to: a link mailed before
   * an email change proves nothing about the new address. One conditional UPDATE, so a
   * change committing at the same moment cannot slip between check and write.
   */
  private async markVerified(row: AccountToken): Promise<User | undefined> {
    if (!row.email) return undefined;
    const done = await this.users.update({ id: row.userId, email: row.email }, { emailVerified: true });
    if (done.affected !== 1) return undefined;
    audit('auth.email.verified', { userId: row.userId });
    return (await this.users.findOneBy({ id: row.userId })) ?? undefined;
  }

  /**
   * Moves the account to the address the link proved. The unique index decides a race
   * with a registration or another change to the same address. Every other link of the
   * user is moot from now on.
   */
  private async applyChange(row: AccountToken): Promise<User | undefined> {
    if (!row.email) return undefined;
    const email = normaliseEmail(row.email);
    try {
      const done = await this.users.update({ id: row.userId }, { email, emailVerified: true });
      if (done.affected !== 1) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    // Links mailed to the old address (a reset, another change) prove nothing any more.
    await this.tokens.supersede(row.userId);
    audit('auth.email.changed', { userId: row.userId });
    return (await this.users.findOneBy({ id: row.userId })) ?? undefined;
  }
}
