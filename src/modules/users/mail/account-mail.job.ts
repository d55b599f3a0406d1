import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { accountsConfig, AccountsConfig, mailConfig, MailConfig } from '@/config/configuration';
import { JobHandler } from '@/infra/jobs/job-handler.decorator';
import { PermanentJobError } from '@/infra/jobs/job.errors';
import type { JobContext } from '@/infra/jobs/job.types';
import { Jobs } from '@/infra/jobs/jobs.service';
import { PermanentMailError } from '@/infra/mail/mail.errors';
import type { MailMessage } from '@/infra/mail/mail-message';
import { Mailer } from '@/infra/mail/mailer';
import {
  emailChange,
  emailChangeNotice,
  invitation,
  lifetimeText,
  maskAddress,
  passwordReset,
  verifyEmail,
} from '@/infra/mail/templates/account';
import type { RenderedMail } from '@/infra/mail/templates/mail-template';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { normaliseEmail } from '../email-address';
import { User } from '../entities/user.entity';
import { AccountTokens } from '../tokens/account-tokens.service';
import type { TokenPurpose } from '../tokens/entities/account-token.entity';

/** One account mail to send, as queued (job data: ids and addresses only, never a token). */
export type AccountMail =
  | { kind: 'verification' | 'invitation'; userId: string }
  /** Forgot password: by the address asked about, known or not; the job finds out. */
  | { kind: 'password_reset'; email: string }
  | { kind: 'email_change'; userId: string; newEmail: string }
  /** To the address the account had when the change was asked for, whatever it has when the job runs. */
  | { kind: 'email_change_notice'; userId: string; newEmail: string; oldEmail: string };

/** The pages the links of account mails open, under APP_PUBLIC_URL (README, "Accounts"). */
export const LINK_PAGES = { verify: 'verify-email', reset: 'reset-password' } as const;

/**
 * The mails of the account flows (docs/jobs.md, Mail): verification resends, password
 * resets, invitations, and both mails of an email change. The request queues the job and
 * answers; the job looks the user up, mints the single-use token (so the request does no
 * work that depends on whether an account exists) and sends. A retry after a recorded
 * delivery mints nothing: a new token would void the link already mailed.
 */
@Injectable()
export class AccountMailJob {
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly jobs: Jobs,
    private readonly mailer: Mailer,
    private readonly tokens: AccountTokens,
    private readonly metrics: AppMetrics,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(mailConfig.KEY) private readonly mail: MailConfig,
    @Inject(accountsConfig.KEY) private readonly cfg: AccountsConfig,
  ) {}

  /**
   * Queues `mail`. Rejects when the store refused the job (Redis or the database down):
   * unlike the welcome mail, the caller asked for this mail and answers 503 to retry.
   */
  async queue(mail: AccountMail): Promise<void> {
    await this.jobs.enqueue<AccountMail>('mail', 'account', mail, { jobId: `${mail.kind}-${randomUUID()}` });
  }

  @JobHandler('mail', 'account')
  async send(mail: AccountMail, ctx: JobContext): Promise<void> {
    if (await this.mailer.delivered(ctx.id)) return;
    const user =
      mail.kind === 'password_reset'
        ? await this.users.findOneBy({ email: normaliseEmail(mail.email) })
        : await this.users.findOneBy({ id: mail.userId });
    if (!user || !user.isActive) {
      // Forgot for an unknown address lands here too, by design: nothing is sent.
      this.logger.log({ kind: mail.kind, jobId: ctx.id }, `No active account for this ${mail.kind} mail; not sent`);
      return;
    }
    const message = await this.render(mail, user);
    if (!message) return;
    try {
      const outcome = await this.mailer.deliver(message, ctx.id);
      if (outcome === 'sent') this.metrics.accountMailSent(mail.kind);
    } catch (error) {
      // The server refused this address or message for good: retrying gets the same answer.
      if (error instanceof PermanentMailError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
  }

  /** The message for `mail`, with its token minted now; undefined when there is nothing to send any more. */
  private async render(mail: AccountMail, user: User): Promise<MailMessage | undefined> {
    switch (mail.kind) {
      case 'verification':
        if (user.emailVerified) return undefined;
        return { to: user.email, ...verifyEmail({ name: user.name, ...(await this.verificationLink(user)) }) };
      // The address rides on the token: using the link proves the mail reached that mailbox.
      case 'password_reset':
        return this.withLink(
          user.email,
          user,
          'reset_password',
          this.cfg.passwordResetTtlMs,
          LINK_PAGES.reset,
          passwordReset,
          { email: user.email },
        );
      case 'invitation':
        return this.withLink(
          user.email,
          user,
          'invitation',
          this.cfg.invitationTtlMs,
          LINK_PAGES.reset,
          (vars) => invitation({ ...vars, appUrl: this.mail.publicUrl }),
          { email: user.email },
        );
      case 'email_change':
        return this.withLink(
          mail.newEmail,
          user,
          'change_email',
          this.cfg.emailVerifyTtlMs,
          LINK_PAGES.verify,
          emailChange,
          {
            email: mail.newEmail,
          },
        );
      case 'email_change_notice':
        return { to: mail.oldEmail, ...emailChangeNotice({ name: user.name, newAddress: maskAddress(mail.newEmail) }) };
    }
  }

  /**
   * A fresh verification link of the user's current address (superseding earlier ones), as
   * the registration's welcome mail and a resend carry it.
   */
  async verificationLink(user: User): Promise<{ link: string; validFor: string }> {
    const ttlMs = this.cfg.emailVerifyTtlMs;
    const token = await this.tokens.issue(user.id, 'verify_email', { ttlMs, email: user.email });
    return { link: this.link(LINK_PAGES.verify, token), validFor: lifetimeText(ttlMs) };
  }

  private async withLink(
    to: string,
    user: User,
    purpose: TokenPurpose,
    ttlMs: number,
    page: string,
    template: (vars: { name: string; link: string; validFor: string }) => RenderedMail,
    options: { email?: string } = {},
  ): Promise<MailMessage> {
    const token = await this.tokens.issue(user.id, purpose, { ttlMs, ...options });
    return { to, ...template({ name: user.name, link: this.link(page, token), validFor: lifetimeText(ttlMs) }) };
  }

  /** `<APP_PUBLIC_URL>/<page>?token=<token>`: the token is base64url, safe in a URL as it is. */
  private link(page: string, token: string): string {
    return `${this.mail.publicUrl}/${page}?token=${token}`;
  }
}
