import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConflictProblem } from '@/common/http/problem';
import { audit } from '@/infra/logging/audit-log';
import { User } from './entities/user.entity';
import { AccountMailJob } from './mail/account-mail.job';
import { MailUnavailableProblem } from './mail/mail-unavailable.problem';
import { AccountActionBudgets } from './tokens/account-action-budgets';

/** The caller's own request for a new address, once its currentPassword has been checked. */
export interface EmailChangeRequest {
  user: Pick<User, 'id' | 'email'>;
  /** Normalised, and not the user's current address. */
  newEmail: string;
  client: string;
  sessionId?: string;
}

/**
 * Asks for a new address of an account (PATCH /users/me with `email`): nothing about the
 * account changes here. A link to the new address proves it is the owner's, and the
 * change happens only when that link is used (POST /auth/email/verify, which checks the
 * address is still free); the current address is told, so an owner whose access token and
 * password were stolen learns of it before losing the account.
 *
 * Runs after the password check, so the 409 that says an address has an account answers
 * only the owner of another account, and on a budget of its own (ACCOUNT_ACTION_LIMIT_*),
 * so one account cannot make the service mail any address without end or probe addresses
 * in bulk.
 */
@Injectable()
export class EmailChangeService {
  private readonly logger = new Logger(EmailChangeService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly budgets: AccountActionBudgets,
    private readonly mails: AccountMailJob,
  ) {}

  /**
   * Budget (429), free address (409 `email_taken`), then both mails; 503 `mail_unavailable`
   * when the job store refuses them. The notice is queued first: a confirmation never goes
   * out without the current address being told, and a refusal of the notice stops before
   * the confirmation is asked for. Only a refusal of the second leaves a notice of a change
   * that sends no link, which the client's retry completes.
   */
  async request({ user, newEmail, client, sessionId }: EmailChangeRequest): Promise<void> {
    await this.budgets.take('email_change', { client, account: `user:${user.id}` });
    if (await this.users.existsBy({ email: newEmail })) {
      throw new ConflictProblem('email_taken', 'An account with this email already exists.');
    }
    try {
      await this.mails.queue({ kind: 'email_change_notice', userId: user.id, newEmail, oldEmail: user.email });
      await this.mails.queue({ kind: 'email_change', userId: user.id, newEmail });
    } catch (error) {
      // Jobs.enqueue has counted it (app_jobs_enqueue_failures_total); the client retries.
      this.logger.warn(
        { userId: user.id, err: { message: error instanceof Error ? error.message : String(error) } },
        'Email change mails could not be queued',
      );
      throw new MailUnavailableProblem(
        'The confirmation mail cannot be queued right now; nothing was changed. Retry after the seconds in Retry-After.',
      );
    }
    audit('auth.email.change_requested', { userId: user.id, sessionId });
  }
}
