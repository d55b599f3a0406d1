import request from 'supertest';
import { DataSource } from 'typeorm';
import { Mailer } from '@/infra/mail/mailer';
import { User } from '@/modules/users/entities/user.entity';
import { AccountMailJob } from '@/modules/users/mail/account-mail.job';
import { WelcomeMailJob } from '@/modules/users/mail/welcome-mail.job';
import { UsersService } from '@/modules/users/users.service';
import { AccountTokens } from '@/modules/users/tokens/account-tokens.service';
import { waitFor } from '@tools/wait-for';
import { metricSample } from '@test/support/metrics-text';
import { bodyOf, ReceivedMail, startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const APP_URL = 'https://app.example.test';
const FAST_JOBS = { JOBS_ATTEMPTS: '5', JOBS_BACKOFF: '50ms', JOBS_POLL_INTERVAL: '20ms' };

let sequence = 0;
const freshEmail = () => `account-mail-${Date.now()}-${(sequence += 1)}@example.test`;

/**
 * The mails of the account flows, queued as jobs and sent to a real SMTP server on
 * loopback: each carries a link whose token works for its own purpose only.
 */
describe('Account mails', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let mails: AccountMailJob;
  let tokens: AccountTokens;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: { ...FAST_JOBS, SMTP_URL: smtp.url, APP_PUBLIC_URL: APP_URL, EMAIL_VERIFY_TTL: '24h' },
    });
    mails = t.app.get(AccountMailJob);
    tokens = t.app.get(AccountTokens);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const receivedBy = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  const nextMail = (to: string, count = 1) =>
    waitFor(() => receivedBy(to).length >= count && receivedBy(to)[count - 1], { what: `mail ${count} to ${to}` });
  const register = async (name = 'Ada') => {
    const email = freshEmail();
    const res = await request(t.server)
      .post('/api/v1/auth/register')
      .send({ email, password: 'a-good-password', name })
      .expect(201);
    return { id: res.body.id as string, email, body: res.body as { emailVerified: boolean } };
  };
  const sent = async (kind: string) =>
    metricSample((await request(t.server).get('/metrics').expect(200)).text, 'app_auth_emails_total', { kind });

  it('registers unverified, and the welcome mail carries a verification link for that address', async () => {
    const before = await sent('verification');
    const user = await register();
    expect(user.body.emailVerified).toBe(false);

    const mail = await nextMail(user.email);
    const token = tokenIn(mail, APP_URL, 'verify-email');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(bodyOf(mail.raw, 'text/plain')).toContain('works for 1 day, once');
    await expect(tokens.consume(token!, 'reset_password')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.consume(token!, 'verify_email')).resolves.toMatchObject({ userId: user.id, email: user.email });
    expect(await sent('verification')).toBe(before + 1);
  });

  it('sends a reset link to a known address, and nothing for an unknown one', async () => {
    const user = await register();
    await nextMail(user.email);
    const before = await sent('password_reset');

    await mails.queue({ kind: 'password_reset', email: 'nobody-here@example.test' });
    await mails.queue({ kind: 'password_reset', email: user.email.toUpperCase() });
    const mail = await nextMail(user.email, 2);

    const token = tokenIn(mail, APP_URL, 'reset-password');
    await expect(tokens.consume(token!, 'reset_password')).resolves.toMatchObject({ userId: user.id });
    await waitFor(async () => (await sent('password_reset')) === before + 1, { what: 'the reset mail counted' });
    expect(receivedBy('nobody-here@example.test')).toEqual([]);
  });

  it('mails an email change to the new address, with a notice to the old one that masks it', async () => {
    const user = await register();
    await nextMail(user.email);
    const newEmail = freshEmail();

    await mails.queue({ kind: 'email_change', userId: user.id, newEmail });
    // The account moves before the notice runs (a confirmation clicked first): the notice
    // still goes to the address the change was asked from, never to the new one.
    await t.app.get(DataSource).getRepository(User).update({ id: user.id }, { email: newEmail });
    await mails.queue({ kind: 'email_change_notice', userId: user.id, newEmail, oldEmail: user.email });
    const confirmation = await nextMail(newEmail);
    const notice = await nextMail(user.email, 2);
    expect(receivedBy(newEmail)).toHaveLength(1);

    const token = tokenIn(confirmation, APP_URL, 'verify-email');
    await expect(tokens.consume(token!, 'verify_email')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.consume(token!, 'change_email')).resolves.toMatchObject({ userId: user.id, email: newEmail });
    const noticeText = bodyOf(notice.raw, 'text/plain') ?? '';
    expect(noticeText).toContain(`${newEmail[0]}***@example.test`);
    expect(noticeText).not.toContain(newEmail);
    expect(tokenIn(notice, APP_URL, 'verify-email')).toBeUndefined();
  });

  it('invites with a link to the reset page that only the invitation purpose accepts', async () => {
    const user = await register('Grace <i>');
    await nextMail(user.email);

    await mails.queue({ kind: 'invitation', userId: user.id });
    const mail = await nextMail(user.email, 2);
    expect(bodyOf(mail.raw, 'text/html')).toContain('Hello Grace &lt;i&gt;,');
    const token = tokenIn(mail, APP_URL, 'reset-password');
    await expect(tokens.consume(token!, 'reset_password')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.consume(token!, 'invitation')).resolves.toMatchObject({ userId: user.id });
  });

  it('sends no verification to an address verified meanwhile', async () => {
    // Made without the registration route, so no welcome mail is on its way to it.
    const email = freshEmail();
    const user = await t.app.get(UsersService).create({ email, password: 'a-good-password', name: 'Ada' });
    await t.app.get(DataSource).getRepository(User).update({ id: user.id }, { emailVerified: true });

    // The job's run itself, awaited: it must complete without a mail or a new link.
    const job = { id: `verification-${user.id}`, queue: 'mail', name: 'account', attempt: 1 };
    await mails.send({ kind: 'verification', userId: user.id }, job);
    expect(receivedBy(email)).toEqual([]);
    expect(await t.app.get(Mailer).delivered(job.id)).toBe(false);
  });

  it('mints no new link when a retry finds the mail delivered, so the mailed link keeps working', async () => {
    const user = await register();
    const mail = await nextMail(user.email);
    const token = tokenIn(mail, APP_URL, 'verify-email')!;

    // A second run of the delivered job, as a retry after a crash past the SMTP answer would be.
    const job = { id: `welcome-${user.id}`, queue: 'mail', name: 'welcome', attempt: 2 };
    await t.app.get(WelcomeMailJob).send({ userId: user.id }, job);
    expect(receivedBy(user.email)).toHaveLength(1);
    await expect(tokens.consume(token, 'verify_email')).resolves.toMatchObject({ userId: user.id });
  });
});
