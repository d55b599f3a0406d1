import request from 'supertest';
import { AccountTokens } from '@/modules/users/tokens/account-tokens.service';
import { authEnv, login, registerAndLogin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { bodyOf, ReceivedMail, startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

const APP_URL = 'https://app.example.test';
const FAST_JOBS = { JOBS_ATTEMPTS: '5', JOBS_BACKOFF: '50ms', JOBS_POLL_INTERVAL: '20ms' };

/**
 * PATCH /users/me with an email: the address is only asked for. The answer and the
 * profile keep the current one, the new address gets a link that proves it, and the
 * current one a notice; every refusal sends nothing.
 */
describe('Email change', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let tokens: AccountTokens;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: authEnv({
        ...FAST_JOBS,
        SMTP_URL: smtp.url,
        APP_PUBLIC_URL: APP_URL,
        TRUST_PROXY: 'true',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        ACCOUNT_ACTION_LIMIT_PER_ACCOUNT: '2',
      }),
    });
    tokens = t.app.get(AccountTokens);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  let ip = 0;
  /** A client address of its own per test, so per-client counters never carry over. */
  const nextClient = () => `198.51.100.${(ip += 1)}`;
  const receivedBy = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  const nextMail = (to: string, count = 1) =>
    waitFor(() => receivedBy(to).length >= count && receivedBy(to)[count - 1], { what: `mail ${count} to ${to}` });
  /** A user whose welcome mail has arrived, so every later mail to the address is one the test caused. */
  const signUp = async (): Promise<SignedIn> => {
    const user = await registerAndLogin(t.server);
    await nextMail(user.email);
    return user;
  };
  const patchMe = (user: SignedIn, body: object, client = nextClient()) =>
    request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .set('X-Forwarded-For', client)
      .send(body);
  const me = (user: SignedIn) =>
    request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
  /** A change that succeeds after a refused one: its mails arriving shows the refused one queued nothing before. */
  const changeAndReceive = async (user: SignedIn) => {
    const newEmail = uniqueEmail('after');
    await patchMe(user, { email: newEmail, currentPassword: user.password }).expect(200);
    await nextMail(newEmail);
    await nextMail(user.email, 2);
  };

  it('answers 200 with the old email, mails a change_email link to the new address and a masked notice to the old', async () => {
    const user = await signUp();
    const newEmail = uniqueEmail('moved');

    const res = await patchMe(user, { email: newEmail.toUpperCase(), currentPassword: user.password }).expect(200);
    expect(res.body).toMatchObject({ id: user.id, email: user.email });
    expect((await me(user)).body.email).toBe(user.email);

    const confirmation = await nextMail(newEmail);
    const token = tokenIn(confirmation, APP_URL, 'verify-email');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(tokens.consume(token!, 'verify_email')).rejects.toMatchObject({ code: 'invalid_token' });
    await expect(tokens.peek(token!, 'change_email')).resolves.toMatchObject({ userId: user.id, email: newEmail });

    const notice = await nextMail(user.email, 2);
    expect(notice.raw).not.toContain(newEmail);
    expect(bodyOf(notice.raw, 'text/plain')).toContain(`${newEmail[0]}***@example.com`);
    expect(tokenIn(notice, APP_URL, 'verify-email')).toBeUndefined();
    // The account still logs in with its current address, and not with the new one.
    await login(t.server, user.email, user.password);
    await request(t.server).post('/api/v1/auth/login').send({ email: newEmail, password: user.password }).expect(401);

    // Until the link is used: then the new address is the account's, and the old one is free.
    await request(t.server).post('/api/v1/auth/email/verify').send({ token }).expect(204);
    expect((await me(user)).body.email).toBe(newEmail);
    await login(t.server, newEmail, user.password);
    await request(t.server).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
  });

  it('refuses a wrong or missing currentPassword with 400 on the field and sends no mail', async () => {
    const user = await signUp();
    const refusedEmail = uniqueEmail('refused');

    const wrong = await patchMe(user, { email: refusedEmail, currentPassword: 'not-my-password' }).expect(400);
    expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
    const missing = await patchMe(user, { email: refusedEmail }).expect(400);
    expect(missing.body.errors).toContainEqual({
      field: 'currentPassword',
      message: 'currentPassword is required to change the password or the email',
    });
    const invalid = await patchMe(user, { email: 'not-an-address', currentPassword: user.password }).expect(400);
    expect(invalid.body.errors).toEqual([{ field: 'email', message: 'email must be an email' }]);

    await changeAndReceive(user);
    expect(receivedBy(refusedEmail)).toEqual([]);
    expect(receivedBy(user.email)).toHaveLength(2);
  });

  it('answers 409 email_taken for an address with an account, in another case, and sends no mail', async () => {
    const user = await signUp();
    const other = await signUp();

    const res = await patchMe(user, { email: other.email.toUpperCase(), currentPassword: user.password }).expect(409);
    expect(res.body).toMatchObject({ status: 409, type: '/problems/email_taken' });

    await changeAndReceive(user);
    expect(receivedBy(other.email)).toHaveLength(1);
    expect(receivedBy(user.email)).toHaveLength(2);
  });

  it('refuses repeated wrong passwords with 429, then the right one too, and sends no mail', async () => {
    const user = await signUp();
    const client = nextClient();
    const target = uniqueEmail('guessed');
    for (let i = 0; i < 3; i += 1) {
      await patchMe(user, { email: target, currentPassword: `wrong-guess-${i}` }, client).expect(400);
    }

    const blocked = await patchMe(user, { email: target, currentPassword: user.password }, client).expect(429);
    expect(blocked.body).toMatchObject({ type: '/problems/too_many_login_failures' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Login from that client is locked out as well: both routes count on one account.
    await request(t.server)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', client)
      .send({ email: user.email, password: user.password })
      .expect(429);

    await changeAndReceive(user);
    expect(receivedBy(target)).toEqual([]);
  });

  it('takes the current address, in any spelling, as no change: 200 and no mail', async () => {
    const user = await signUp();
    await patchMe(user, { email: ` ${user.email.toUpperCase()} `, currentPassword: user.password }).expect(200);

    await changeAndReceive(user);
    expect(receivedBy(user.email)).toHaveLength(2);
  });

  it('changes the password and asks for the email in one request, checking currentPassword once', async () => {
    const user = await signUp();
    const newEmail = uniqueEmail('both');
    const res = await patchMe(user, {
      email: newEmail,
      password: 'a-brand-new-passphrase',
      currentPassword: user.password,
    }).expect(200);
    expect(res.body.email).toBe(user.email);

    await nextMail(newEmail);
    await login(t.server, user.email, 'a-brand-new-passphrase');
  });

  it('keeps the name of a body whose email change is refused: nothing of it is applied', async () => {
    const user = await signUp();
    const other = await signUp();
    await patchMe(user, { name: 'Renamed', email: other.email, currentPassword: user.password }).expect(409);
    expect((await me(user)).body.name).toBe('Test User');
  });

  it('limits email changes per account (429 rate_limited) and counts them apart from other limiters', async () => {
    const user = await signUp();
    await patchMe(user, { email: uniqueEmail('one'), currentPassword: user.password }).expect(200);
    await patchMe(user, { email: uniqueEmail('two'), currentPassword: user.password }).expect(200);

    const third = uniqueEmail('three');
    const refused = await patchMe(user, { email: third, currentPassword: user.password }).expect(429);
    expect(refused.body).toMatchObject({ type: '/problems/rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    expect(metricSample(text, 'rate_limit_rejections_total', { limiter: 'email_change' })).toBeGreaterThanOrEqual(1);

    await nextMail(user.email, 3);
    expect(receivedBy(third)).toEqual([]);
  });
});
