import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MailDelivery } from '@/infra/mail/entities/mail-delivery.entity';
import { MailDeliveryError, PermanentMailError } from '@/infra/mail/mail.errors';
import type { MailMessage } from '@/infra/mail/mail-message';
import { Mailer } from '@/infra/mail/mailer';
import { welcome } from '@/infra/mail/templates/welcome';
import { bodyOf, headerOf, ReceivedMail, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const SMTP_USER = 'mailer';
const SMTP_PASS = 'smtp-pw-9f2k';
const APP_URL = 'https://app.example.test';

let sequence = 0;
/** A recipient and a key of each test's own, so a test reads exactly its messages. */
const fresh = () => {
  sequence += 1;
  return { to: `user-${sequence}@example.test`, key: `welcome:${sequence}:${randomBytes(4).toString('hex')}` };
};
const welcomeTo = (to: string, name = 'Ada'): MailMessage => ({ to, ...welcome({ name, appUrl: APP_URL }) });
const receivedBy = (smtp: TestSmtpServer, to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));

/**
 * The Mailer of the booted app against a real SMTP server on loopback: what the server
 * receives, how each way of failing reaches a caller (a job that retries), and that a key
 * delivered once is never sent again. Runs on every database under test:integration.
 */
describe('Mail over SMTP', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { user: SMTP_USER, pass: SMTP_PASS } });
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Example <no-reply@example.test>', SMTP_TIMEOUT: '1s' },
    });
    mailer = t.app.get(Mailer);
  });
  afterEach(async () => {
    smtp.fault = undefined;
    await smtp.start();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('delivers a text and an HTML body from MAIL_FROM, logged in with the credentials of SMTP_URL', async () => {
    const { to, key } = fresh();

    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('sent');

    const [mail] = receivedBy(smtp, to);
    expect(mail).toMatchObject({ from: 'no-reply@example.test', to: [to], user: SMTP_USER });
    expect(headerOf(mail.raw, 'From')).toBe('Example <no-reply@example.test>');
    expect(headerOf(mail.raw, 'Subject')).toBe('Welcome, Ada');
    expect(headerOf(mail.raw, 'Message-ID')).toMatch(/^<[0-9a-f]{32}@example\.test>$/);
    expect(bodyOf(mail.raw, 'text/plain')).toBe(`Hello Ada,\n\nyour account is ready. Sign in at ${APP_URL}.`);
    expect(bodyOf(mail.raw, 'text/html')).toContain(`<a href="${APP_URL}">Sign in</a>`);
  });

  it('records the delivery, and does not send a key again once the server accepted it', async () => {
    const { to, key } = fresh();

    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('sent');
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('already_sent');
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('already_sent');

    expect(receivedBy(smtp, to)).toHaveLength(1);
    const row = await t.app.get(DataSource).getRepository(MailDelivery).findOneByOrFail({ idempotencyKey: key });
    expect(row.recipientHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.recipientHash).not.toContain(to);
  });

  it('throws a retryable error while the server refuses connections, then delivers that key exactly once', async () => {
    const { to, key } = fresh();
    await smtp.stop();

    const failure = await mailer.deliver(welcomeTo(to), key).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).not.toBeInstanceOf(PermanentMailError);
    // Refused at connect: ECONNECTION or ESOCKET, depending on where nodemailer notices.
    expect(['ECONNECTION', 'ESOCKET']).toContain((failure as MailDeliveryError).code);
    expect(String((failure as Error).message)).not.toContain(SMTP_PASS);

    await smtp.start();
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('sent');
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('already_sent');
    expect(receivedBy(smtp, to)).toHaveLength(1);
  });

  it('throws a retryable error when the server drops the connection mid-message, and records nothing', async () => {
    const { to, key } = fresh();
    smtp.fault = { kind: 'drop' };

    const failure = await mailer.deliver(welcomeTo(to), key).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).not.toBeInstanceOf(PermanentMailError);
    expect(receivedBy(smtp, to)).toHaveLength(0);

    smtp.fault = undefined;
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('sent');
    expect(receivedBy(smtp, to)).toHaveLength(1);
  });

  it('gives up on a server that never greets within SMTP_TIMEOUT instead of hanging', async () => {
    const { to, key } = fresh();
    smtp.fault = { kind: 'stall' };
    const started = Date.now();

    await expect(mailer.deliver(welcomeTo(to), key)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['RCPT TO', 450, false, 'rcpt'],
    ['RCPT TO', 550, true, 'rcpt'],
    ['DATA', 451, false, 'data'],
    ['DATA', 554, true, 'data'],
  ] as const)('tells a %s answered %i apart (permanent: %s), and records nothing', async (_, code, permanent, at) => {
    const { to, key } = fresh();
    smtp.fault = { kind: 'reject', at, code };

    const failure = await mailer.deliver(welcomeTo(to), key).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure instanceof PermanentMailError).toBe(permanent);
    expect(failure).toMatchObject({ responseCode: code });

    smtp.fault = undefined;
    await expect(mailer.deliver(welcomeTo(to), key)).resolves.toBe('sent');
  });

  it('escapes what a user typed in the HTML the server received', async () => {
    const { to, key } = fresh();
    const name = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;

    await mailer.deliver(welcomeTo(to, name), key);

    const html = bodyOf(receivedBy(smtp, to)[0].raw, 'text/html');
    expect(html).toContain(
      '<p>Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;,</p>',
    );
    expect(html).not.toMatch(/<script|<img/);
  });

  it('refuses an idempotency key that is empty or longer than the column', async () => {
    await expect(mailer.deliver(welcomeTo('a@example.test'), '')).rejects.toThrow(RangeError);
    await expect(mailer.deliver(welcomeTo('a@example.test'), 'k'.repeat(129))).rejects.toThrow(RangeError);
  });
});

describe('Mail with a wrong SMTP password', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { user: SMTP_USER, pass: SMTP_PASS } });
    t = await createTestApp({ env: { SMTP_URL: `smtp://${SMTP_USER}:wrong-pw-31x@127.0.0.1:${smtp.port}` } });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('fails as retryable (the configuration is wrong, not the mail) without naming the password', async () => {
    const { to, key } = fresh();

    const failure = await t.app
      .get(Mailer)
      .deliver(welcomeTo(to), key)
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).not.toBeInstanceOf(PermanentMailError);
    expect(failure).toMatchObject({ code: 'EAUTH' });
    expect(JSON.stringify({ message: (failure as Error).message })).not.toContain('wrong-pw-31x');
    expect(smtp.messages).toHaveLength(0);
  });
});
