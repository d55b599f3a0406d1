/** What nodemailer attaches to its errors. */
interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  command?: string;
}

/**
 * A mail was not delivered this time: the server could not be reached, timed out, dropped
 * the connection, or answered 4xx ("try again later"). A job throws it on, and its queue
 * retries with backoff; the message text never contains the SMTP password.
 */
export class MailDeliveryError extends Error {
  /** nodemailer's code: ECONNECTION, ETIMEDOUT, ESOCKET, EENVELOPE, EMESSAGE, EAUTH, … */
  readonly code: string | undefined;
  /** The SMTP reply code, when the server answered. */
  readonly responseCode: number | undefined;

  constructor(message: string, fields: SmtpErrorFields, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailDeliveryError';
    this.code = fields.code;
    this.responseCode = fields.responseCode;
  }
}

/**
 * The server refused this message for good (a 5xx reply to the sender, a recipient or the
 * content, e.g. 550 no such mailbox): sending it again gets the same answer. A job should
 * not retry it: fail it at once (BullMQ: rethrow as `UnrecoverableError`) so it is kept as
 * failed and counted instead of hammering the relay for every backoff step.
 */
export class PermanentMailError extends MailDeliveryError {
  constructor(message: string, fields: SmtpErrorFields, options?: ErrorOptions) {
    super(message, fields, options);
    this.name = 'PermanentMailError';
  }
}

/**
 * Classifies a transport failure. Permanent: a 5xx reply other than 503 (a command out of
 * sequence, which a new session fixes), RFC 5321's "permanent negative completion". A
 * refused login (535, EAUTH) is not: it is the service's configuration, not the message,
 * and retries succeed once SMTP_URL is fixed. Everything else is worth another attempt.
 */
export function toMailError(error: unknown): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? error : {};
  const reason = error instanceof Error ? error.message : String(error);
  const { responseCode, code } = fields;
  const permanent =
    responseCode !== undefined && responseCode >= 500 && responseCode < 600 && responseCode !== 503 && code !== 'EAUTH';
  const Type = permanent ? PermanentMailError : MailDeliveryError;
  return new Type(`Mail not delivered: ${reason}`, { code, responseCode }, { cause: error });
}
