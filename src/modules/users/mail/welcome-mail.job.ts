import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { mailConfig, MailConfig } from '@/config/configuration';
import { JobHandler } from '@/infra/jobs/job-handler.decorator';
import { PermanentJobError } from '@/infra/jobs/job.errors';
import type { JobContext } from '@/infra/jobs/job.types';
import { Jobs } from '@/infra/jobs/jobs.service';
import { PermanentMailError } from '@/infra/mail/mail.errors';
import { Mailer } from '@/infra/mail/mailer';
import { welcome } from '@/infra/mail/templates/welcome';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { User } from '../entities/user.entity';
import { AccountMailJob } from './account-mail.job';

export interface WelcomeMailData {
  userId: string;
}

/** One welcome mail per account: the job id, and so the delivery's idempotency key. */
const jobIdOf = (userId: string) => `welcome-${userId}`;

/**
 * The mail a new account gets (docs/jobs.md, Mail): queued by registration once the user is
 * committed, sent by whichever worker takes the job, with the verification link of the
 * address unless it is verified already. The job id is the idempotency key of the
 * delivery, so a retry after a recorded send neither sends again nor mints a new link.
 */
@Injectable()
export class WelcomeMailJob {
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly jobs: Jobs,
    private readonly mailer: Mailer,
    private readonly accountMail: AccountMailJob,
    private readonly metrics: AppMetrics,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(mailConfig.KEY) private readonly cfg: MailConfig,
  ) {}

  /**
   * Never rejects: the account exists whatever happens here. A job the store refused (Redis
   * down) is counted by `Jobs` and logged here with the user's id; that welcome mail is lost.
   */
  async queue(userId: string): Promise<void> {
    try {
      await this.jobs.enqueue<WelcomeMailData>('mail', 'welcome', { userId }, { jobId: jobIdOf(userId) });
    } catch (error) {
      this.logger.error(
        { userId, err: { message: error instanceof Error ? error.message : String(error) } },
        `The welcome mail of user ${userId} could not be queued; it will not be sent`,
      );
    }
  }

  /**
   * For a deleted account: its welcome delivery record (keyed by the user's id, holding a
   * hash of the address) goes too, through `manager` when it is part of the deletion's
   * transaction. A job still queued finds no user and sends nothing.
   */
  async forget(userId: string, manager?: EntityManager): Promise<void> {
    await this.mailer.forget(jobIdOf(userId), manager);
  }

  @JobHandler('mail', 'welcome')
  async send(data: WelcomeMailData, ctx: JobContext): Promise<void> {
    if (await this.mailer.delivered(ctx.id)) return;
    const user = await this.users.findOneBy({ id: data.userId });
    if (!user) {
      this.logger.log({ userId: data.userId, jobId: ctx.id }, 'The user was deleted before the welcome mail; not sent');
      return;
    }
    const verify = user.emailVerified ? undefined : await this.accountMail.verificationLink(user);
    try {
      const outcome = await this.mailer.deliver(
        { to: user.email, ...welcome({ name: user.name, appUrl: this.cfg.publicUrl, verify }) },
        ctx.id,
      );
      if (outcome === 'sent' && verify) this.metrics.accountMailSent('verification');
    } catch (error) {
      // The server refused this address or message for good: retrying gets the same answer.
      if (error instanceof PermanentMailError) throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
  }
}
