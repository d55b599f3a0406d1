import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { Repository } from 'typeorm';
import { appConfig, AppConfig, mailConfig, MailConfig } from '@/config/configuration';
import { MailDelivery, MAX_IDEMPOTENCY_KEY_LENGTH } from './entities/mail-delivery.entity';
import { toMailError } from './mail.errors';
import type { DeliveryOutcome, MailMessage } from './mail-message';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Sends mail at most once per idempotency key, as a retried job needs. A delivery is
 * recorded in `mail_deliveries` only AFTER the server accepted the message (SMTP 250),
 * and a key found there is not sent again.
 *
 * The residual window: a crash (or a database failure) between the server's 250 and the
 * record leaves no row, so the retry sends the mail a second time. That is one duplicate
 * at most, never a lost mail; both copies carry the same Message-ID, derived from the key,
 * so mail clients that deduplicate show one. Two attempts of one key running at the same
 * moment would both send: a queue runs one attempt of a job at a time.
 */
@Injectable()
export class Mailer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Mailer.name);

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @InjectRepository(MailDelivery) private readonly deliveries: Repository<MailDelivery>,
    @Inject(mailConfig.KEY) private readonly cfg: MailConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.transport.kind === 'log' && this.app.production) {
      this.logger.warn(
        'SMTP_URL is not set: mails are written to the log instead of being sent, content included. Set SMTP_URL.',
      );
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }

  /**
   * Whether a delivery under `idempotencyKey` is recorded: a job that mints a single-use
   * link asks first, so a retry after a recorded send does not void the link already mailed.
   */
  delivered(idempotencyKey: string): Promise<boolean> {
    return this.deliveries.existsBy({ idempotencyKey });
  }

  /**
   * Sends `message` unless a delivery under `idempotencyKey` is recorded. Throws a
   * `MailDeliveryError` when the transport failed, so the job retries, or its subclass
   * `PermanentMailError` when the server refused the message for good (see mail.errors.ts).
   */
  async deliver(message: MailMessage, idempotencyKey: string): Promise<DeliveryOutcome> {
    if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new RangeError(`An idempotency key has 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    if (await this.delivered(idempotencyKey)) return 'already_sent';

    const messageId = `<${sha256(idempotencyKey).slice(0, 32)}@${senderDomain(this.cfg.from)}>`;
    try {
      await this.transport.send({ ...message, from: this.cfg.from, messageId });
    } catch (error) {
      throw toMailError(error);
    }
    await this.record(idempotencyKey, message.to);
    return 'sent';
  }

  /**
   * Erases the record of a delivery, for an account that is deleted: the row holds a hash
   * of the address, which confirms the address to anyone who guesses it. The key would
   * send again afterwards, so only a caller whose recipient is gone may forget it.
   */
  async forget(idempotencyKey: string, manager = this.deliveries.manager): Promise<void> {
    await manager.delete(MailDelivery, { idempotencyKey });
  }

  /**
   * Once the server holds the mail, failing here would make the job retry and send it again;
   * an unrecorded delivery is logged instead, and the job succeeds. A concurrent attempt
   * that recorded the same key first is not an error either (INSERT … ignore duplicates).
   */
  private async record(idempotencyKey: string, to: string): Promise<void> {
    try {
      await this.deliveries
        .createQueryBuilder()
        .insert()
        .into(MailDelivery)
        .values({ idempotencyKey, recipientHash: sha256(to.trim().toLowerCase()), sentAt: new Date() })
        .orIgnore()
        .execute();
    } catch (error) {
      this.logger.error(
        { err: error, idempotencyKey },
        'mail sent but its delivery could not be recorded: a retry of this key would send it again',
      );
    }
  }
}

/** The domain of MAIL_FROM (`Name <a@example.com>` → `example.com`), for Message-IDs. */
function senderDomain(from: string): string {
  return /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}
