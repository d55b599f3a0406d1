import request from 'supertest';
import { AccountTokens } from '@/modules/users/tokens/account-tokens.service';
import { authEnv, loginAdmin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';
import { bodyOf, ReceivedMail, startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

const APP_URL = 'https://app.example.test';
const FAST_JOBS = { JOBS_ATTEMPTS: '5', JOBS_BACKOFF: '50ms', JOBS_POLL_INTERVAL: '20ms' };

/**
 * POST /api/v1/users without a password: the account exists at once, and its owner
 * chooses the password through the reset link of an invitation mail.
 */
describe('An admin invites a user: POST /api/v1/users without a password', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let admin: SignedIn;
  let tokens: AccountTokens;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: authEnv({ ...FAST_JOBS, SMTP_URL: smtp.url, APP_PUBLIC_URL: APP_URL, INVITATION_TTL: '72h' }),
    });
    admin = await loginAdmin(t.server);
    tokens = t.app.get(AccountTokens);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const receivedBy = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  const invite = (body: object) =>
    request(t.server).post('/api/v1/users').set('Authorization', admin.bearer).send(body).expect(201);

  it('answers 201 with the user and mails a reset-password link whose token is of purpose invitation', async () => {
    const email = uniqueEmail('invited');
    const res = await invite({ email: email.toUpperCase(), name: 'Grace', role: 'admin' });
    expect(res.body).toMatchObject({ email, name: 'Grace', role: 'admin', isActive: true, emailVerified: false });

    const mail = await waitFor(() => receivedBy(email)[0], { what: `the invitation to ${email}` });
    expect(bodyOf(mail.raw, 'text/plain')).toContain('works for 3 days, once');
    const token = tokenIn(mail, APP_URL, 'reset-password');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(tokens.consume(token!, 'reset_password')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.consume(token!, 'invitation')).resolves.toMatchObject({ userId: res.body.id });
  });

  it('lets no password log the invited user in before the invitation is accepted', async () => {
    const email = uniqueEmail('not-yet');
    await invite({ email, name: 'Not Yet' });

    // The login limit per account and client is 5: four guesses stay below it, so each is a plain 401.
    for (const password of ['a-good-password', 'handed-over-password', email, 'Not Yet']) {
      const res = await request(t.server).post('/api/v1/auth/login').send({ email, password }).expect(401);
      expect(res.body).toMatchObject({ type: '/problems/invalid_credentials' });
    }
    await waitFor(() => receivedBy(email)[0], { what: `the invitation to ${email}` });
  });

  it('refuses an address that has an account with 409, and mails nothing', async () => {
    const email = uniqueEmail('taken');
    await invite({ email, name: 'First' });
    await waitFor(() => receivedBy(email)[0], { what: `the invitation to ${email}` });

    await request(t.server)
      .post('/api/v1/users')
      .set('Authorization', admin.bearer)
      .send({ email: email.toUpperCase(), name: 'Second' })
      .expect(409);
    // A later invitation arriving shows the refused one queued nothing before it.
    const later = uniqueEmail('later');
    await invite({ email: later, name: 'Later' });
    await waitFor(() => receivedBy(later)[0], { what: `the invitation to ${later}` });
    expect(receivedBy(email)).toHaveLength(1);
  });
});
