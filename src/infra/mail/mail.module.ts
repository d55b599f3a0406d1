import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mailConfig, MailConfig } from '@/config/configuration';
import { MailDelivery } from './entities/mail-delivery.entity';
import { LogMailTransport, MAIL_TRANSPORT, MailTransport, SmtpMailTransport } from './mail-transport';
import { Mailer } from './mailer';

/**
 * Mail for the features and jobs: `Mailer.deliver(message, idempotencyKey)`, over SMTP when
 * SMTP_URL is set and to the log otherwise. Rendering is the templates' business
 * (templates/); queueing and retrying are the jobs'. See docs/mail.md.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MailDelivery])],
  providers: [
    {
      provide: MAIL_TRANSPORT,
      inject: [mailConfig.KEY],
      useFactory: (cfg: MailConfig): MailTransport =>
        cfg.smtpUrl ? new SmtpMailTransport(cfg) : new LogMailTransport(),
    },
    Mailer,
  ],
  exports: [Mailer],
})
export class MailModule {}
