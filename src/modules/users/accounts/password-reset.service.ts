import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { atomically } from '@/infra/database/atomically';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { audit } from '@/infra/logging/audit-log';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { AccountChanges } from '../account-changes';
import { normaliseEmail } from '../email-address';
import { User } from '../entities/user.entity';
import { AccountMailJob } from '../mail/account-mail.job';
import { MailUnavailableProblem } from '../mail/mail-unavailable.problem';
import { Revocation, SessionsService } from '../sessions/sessions.service';
import { AccountActionBudgets } from '../tokens/account-action-budgets';
import { AccountTokens, InvalidTokenProblem } from '../tokens/account-tokens.service';
import type { AccountToken, TokenPurpose } from '../tokens/entities/account-token.entity';

/** An invitation mail is a reset link too: the same page sets the first password. */
const RESET_PURPOSES: readonly TokenPurpose[] = ['reset_password', 'invitation'];

/**
 * Forgot and reset password (docs/security.md, Password reset). `forgot` never looks the
 * address up: it counts the budgets and queues the mail job, which does, so a known and an
 * unknown address cost the request exactly the same work and get the same answer. `reset`
 * spends a reset or invitation link on a new password and ends every session of the user.
 */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger(PasswordResetService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tokens: AccountTokens,
    private readonly budgets: AccountActionBudgets,
    private readonly mail: AccountMailJob,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly changes: AccountChanges,
    private readonly metrics: AppMetrics,
  ) {}

  /** Queues a reset mail for `email`, whether or not it has an account (the job finds out). */
  async forgot(email: string, client: string): Promise<void> {
    await this.budgets.take('password_forgot', { client, account: `email:${normaliseEmail(email)}` });
    try {
      await this.mail.queue({ kind: 'password_reset', email });
    } catch (error) {
      // The job store refused it (Redis or the database down); the address is not logged.
      this.logger.error(
        { err: { message: error instanceof Error ? error.message : String(error) } },
        'A password reset mail could not be queued',
      );
      throw new MailUnavailableProblem(
        'The reset mail cannot be queued right now; retry after the number of seconds in Retry-After.',
      );
    }
    audit('auth.password.reset_requested');
  }

  /**
   * Sets `password` for the owner of a live reset or invitation link. The password is
   * hashed before the link is spent, so a 503 from a full hashing queue leaves the link
   * usable; of concurrent uses of one link exactly one spends it. Only a link mailed to the
   * address the account still has works, so following it also verifies that address.
   */
  async reset(token: string, password: string, client: string): Promise<void> {
    await this.budgets.take('password_reset', { client });
    const link = await this.live(token);
    if (!link) return this.refuse();
    await this.budgets.take('password_reset', { account: `user:${link.userId}` });
    const user = await this.users.findOneBy({ id: link.userId });
    // A link mailed to an address the account no longer has proves nothing about its owner now.
    if (!user || !user.isActive || link.email !== user.email) return this.refuse();

    const passwordHash = await this.hasher.hash(password);
    // The spent link, the new password and the ended sessions commit together: a crash
    // half-way must neither spend the link for nothing nor leave the old sessions alive.
    const now = new Date();
    let revoked: Revocation;
    try {
      revoked = await atomically(this.users.manager, async (m) => {
        await this.tokens.consume(token, link.purpose, now, m);
        await m.getRepository(User).update(
          { id: user.id },
          // A login that checked the old password while this ran must not leave a session behind.
          { passwordHash, sessionsValidAfter: now, emailVerified: true },
        );
        // Every other link of the account dies with the old password: a change of address asked
        // for with the stolen one must not outlive the reset that took the account back.
        await this.tokens.supersede(user.id, undefined, now, m);
        return this.sessions.revokeAllForUserIn(m, user.id, 'password_reset');
      });
    } catch (error) {
      // Another request spent the link between the look-up and now.
      if (error instanceof InvalidTokenProblem) return this.refuse();
      throw error;
    }
    const updated = await this.users.findOneByOrFail({ id: user.id });
    await this.changes.userChanged(updated);
    audit('auth.password.reset', { userId: user.id });
    await this.sessions.announce(revoked);
    this.metrics.passwordReset('success');
  }

  /** The live link `token` under the first purpose that knows it (the purpose is part of its hash). */
  private async live(token: string): Promise<AccountToken | null> {
    for (const purpose of RESET_PURPOSES) {
      const row = await this.tokens.peek(token, purpose);
      if (row) return row;
    }
    return null;
  }

  private refuse(): never {
    this.metrics.passwordReset('invalid_token');
    throw new InvalidTokenProblem();
  }
}
