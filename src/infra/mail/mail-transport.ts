import { Logger } from '@nestjs/common';
import nodemailer, { SMTPTransportOptions, Transporter } from 'nodemailer';
import type { MailConfig } from '@/config/configuration';
import type { OutgoingMail } from './mail-message';

/** Hands a mail over; resolves once it was accepted (SMTP 250), throws otherwise. */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * nodemailer's options for SMTP_URL: `smtp://` speaks STARTTLS when the server offers it,
 * `smtps://` TLS from the first byte; user and password come from the URL. Every step is
 * bounded, so a dead or silent server fails the attempt in seconds instead of holding a
 * worker for nodemailer's defaults (2 min to connect, 10 min of socket silence).
 */
export function smtpTransportOptions(cfg: Pick<MailConfig, 'smtpUrl' | 'timeoutMs'>): SMTPTransportOptions {
  return {
    url: cfg.smtpUrl,
    connectionTimeout: cfg.timeoutMs,
    greetingTimeout: cfg.timeoutMs,
    socketTimeout: cfg.timeoutMs,
    dnsTimeout: cfg.timeoutMs,
    // Templates never attach files or fetch URLs; a message must not be able to make the service read either.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** One SMTP session per mail: nothing idles between mails, and a dropped connection only fails its own mail. */
export class SmtpMailTransport implements MailTransport {
  readonly kind = 'smtp';
  private readonly transporter: Transporter;

  constructor(cfg: Pick<MailConfig, 'smtpUrl' | 'timeoutMs'>) {
    this.transporter = nodemailer.createTransport(smtpTransportOptions(cfg));
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      // RFC 3834: auto-responders do not answer a mail the service sent on its own.
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Without SMTP_URL: each mail becomes one structured log line, text body included, so
 * a developer can follow a link from a mail without running a mail server. In production
 * that puts mail content (later, sign-in links) in the logs: MailModule warns at boot.
 */
export class LogMailTransport implements MailTransport {
  readonly kind = 'log';
  private readonly logger = new Logger('Mail');

  send(mail: OutgoingMail): Promise<void> {
    this.logger.log(
      { mail: { to: mail.to, from: mail.from, subject: mail.subject, messageId: mail.messageId, text: mail.text } },
      'mail written to the log (SMTP_URL is not set)',
    );
    return Promise.resolve();
  }

  close(): void {}
}
