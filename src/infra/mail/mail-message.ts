/** One mail to one recipient: a rendered template (see templates/) and its address. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A message as a transport sends it: with the sender and a Message-ID derived from its idempotency key. */
export interface OutgoingMail extends MailMessage {
  from: string;
  messageId: string;
}

/** What `Mailer.deliver` did: sent it now, or found that an earlier attempt had. */
export type DeliveryOutcome = 'sent' | 'already_sent';
