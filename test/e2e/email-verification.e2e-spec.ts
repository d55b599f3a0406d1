import request from 'supertest';
import { DataSource } from 'typeorm';
import { User } from '@/modules/users/entities/user.entity';
import { AccountTokens } from '@/modules/users/tokens/account-tokens.service';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { authEnv, login, uniqueEmail } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { ReceivedMail, startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const APP_URL = 'https://app.example.test';
const PASSWORD = 'a-good-password';
const HOUR_MS = 3_600_000;
const FAST_JOBS = { JOBS_ATTEMPTS: '5', JOBS_BACKOFF: '50ms', JOBS_POLL_INTERVAL: '20ms' };

interface Account {
  id: string;
  email: string;
  bearer: string;
  /** The verification link of the welcome mail. */
  welcomeToken: string;
}

/**
 * Verification and email change links over HTTP, mailed through a real SMTP server on
 * loopback: each link works once, for its own purpose, while the address it proves is
 * still the one it was sent for.
 */
describe('Email verification', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp?.stop());

  const receivedBy = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  const nextMail = (to: string, count = 1) =>
    waitFor(() => receivedBy(to).length >= count && receivedBy(to)[count - 1], { what: `mail ${count} to ${to}` });
  const linkIn = (mail: ReceivedMail) => {
    const token = tokenIn(mail, APP_URL, 'verify-email');
    expect(token).toBeDefined();
    return token!;
  };
  const appEnv = (overrides: Record<string, string> = {}) =>
    authEnv({
      ...FAST_JOBS,
      SMTP_URL: smtp.url,
      APP_PUBLIC_URL: APP_URL,
      ACCOUNT_ACTION_LIMIT_PER_CLIENT: '1000',
      ACCOUNT_ACTION_LIMIT_PER_ACCOUNT: '3',
      ...overrides,
    });

  describe('by default', () => {
    let t: TestApp;
    let tokens: AccountTokens;

    beforeAll(async () => {
      t = await createTestApp({ env: appEnv() });
      tokens = t.app.get(AccountTokens);
    });
    afterAll(() => t?.close());

    const register = async (): Promise<Account> => {
      const email = uniqueEmail('verify');
      const res = await request(t.server)
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: 'Ada' })
        .expect(201);
      const pair = await login(t.server, email, PASSWORD);
      return {
        id: res.body.id,
        email,
        bearer: `Bearer ${pair.accessToken}`,
        welcomeToken: linkIn(await nextMail(email)),
      };
    };
    const verify = (token: unknown) => request(t.server).post('/api/v1/auth/email/verify').send({ token });
    const resend = (account: Account) =>
      request(t.server).post('/api/v1/auth/email/resend').set('Authorization', account.bearer);
    const me = (account: Account) =>
      request(t.server).get('/api/v1/users/me').set('Authorization', account.bearer).expect(200);
    const expectInvalid = async (token: string) => {
      const res = await verify(token).expect(400);
      expect(res.body).toMatchObject({ type: '/problems/invalid_token', status: 400 });
    };
    const verifications = async (outcome: string) =>
      metricSample((await request(t.server).get('/metrics').expect(200)).text, 'app_auth_email_verifications_total', {
        outcome,
      });

    it('verifies the address with the mailed link, at once in /users/me, and only once', async () => {
      const [successes, refusals] = [await verifications('success'), await verifications('invalid_token')];
      const account = await register();
      expect((await me(account)).body.emailVerified).toBe(false);

      const res = await verify(account.welcomeToken).expect(204);
      expect(res.text).toBe('');
      expect((await me(account)).body).toMatchObject({ email: account.email, emailVerified: true });

      await expectInvalid(account.welcomeToken);
      expect(await verifications('success')).toBe(successes + 1);
      expect(await verifications('invalid_token')).toBe(refusals + 1);
    });

    it('refuses a link of another purpose, an expired one and an unknown one alike', async () => {
      const account = await register();
      await expectInvalid(await tokens.issue(account.id, 'reset_password', { ttlMs: HOUR_MS }));
      const past = new Date(Date.now() - 2 * HOUR_MS);
      await expectInvalid(
        await tokens.issue(account.id, 'verify_email', { ttlMs: HOUR_MS, email: account.email }, past),
      );
      await expectInvalid('A'.repeat(43));
      expect((await me(account)).body.emailVerified).toBe(false);
    });

    it('refuses a verification link sent before the address changed', async () => {
      const account = await register();
      const moved = uniqueEmail('moved');
      await t.app.get(DataSource).getRepository(User).update({ id: account.id }, { email: moved });

      await expectInvalid(account.welcomeToken);
      expect((await me(account)).body).toMatchObject({ email: moved, emailVerified: false });
    });

    it('refuses a body without a token string of 1 to 128 characters, or with unknown fields', async () => {
      for (const body of [{}, { token: '' }, { token: 'a'.repeat(129) }, { token: 42 }]) {
        const res = await request(t.server).post('/api/v1/auth/email/verify').send(body).expect(400);
        expect(res.body.type).toBe('/problems/validation_failed');
      }
      const account = await register();
      await request(t.server)
        .post('/api/v1/auth/email/verify')
        .send({ token: account.welcomeToken, userId: account.id })
        .expect(400);
      await verify(account.welcomeToken).expect(204);
    });

    it('applies a confirmed email change: the new address signs in, the old one no longer, sessions stay', async () => {
      const account = await register();
      const newEmail = uniqueEmail('changed');
      const confirm = await tokens.issue(account.id, 'change_email', { ttlMs: HOUR_MS, email: newEmail.toUpperCase() });

      await verify(confirm).expect(204);
      expect((await me(account)).body).toMatchObject({ id: account.id, email: newEmail, emailVerified: true });
      await request(t.server).post('/api/v1/auth/login').send({ email: account.email, password: PASSWORD }).expect(401);
      await login(t.server, newEmail, PASSWORD);
      // The welcome link proved the old address, and every earlier link of the user is void.
      await expectInvalid(account.welcomeToken);
      await expectInvalid(confirm);
    });

    it('answers 409 email_taken when another account has the new address meanwhile, and changes nothing', async () => {
      const account = await register();
      const other = await register();
      const confirm = await tokens.issue(account.id, 'change_email', { ttlMs: HOUR_MS, email: other.email });

      const res = await verify(confirm).expect(409);
      expect(res.body).toMatchObject({ type: '/problems/email_taken', status: 409 });
      expect((await me(account)).body).toMatchObject({ email: account.email, emailVerified: false });
      expect((await me(other)).body.email).toBe(other.email);
    });

    it('answers exactly one of concurrent uses of one link with 204', async () => {
      const account = await register();
      const statuses = await Promise.all(
        Array.from({ length: 8 }, () => verify(account.welcomeToken).then((r) => r.status)),
      );
      expect(statuses.sort()).toEqual([204, 400, 400, 400, 400, 400, 400, 400]);
      expect((await me(account)).body.emailVerified).toBe(true);
    });

    it('resends a link that supersedes the earlier one', async () => {
      const account = await register();
      const res = await resend(account).expect(202);
      expect(res.text).toBe('');

      const second = linkIn(await nextMail(account.email, 2));
      expect(second).not.toBe(account.welcomeToken);
      await expectInvalid(account.welcomeToken);
      await verify(second).expect(204);
      expect((await me(account)).body.emailVerified).toBe(true);
    });

    it('refuses a resend once the address is verified', async () => {
      const account = await register();
      await verify(account.welcomeToken).expect(204);
      const res = await resend(account).expect(409);
      expect(res.body).toMatchObject({ type: '/problems/email_already_verified', status: 409 });
    });

    it('refuses resends over the account budget with 429 and Retry-After', async () => {
      const account = await register();
      const rejections = async () =>
        metricSample((await request(t.server).get('/metrics').expect(200)).text, 'rate_limit_rejections_total', {
          limiter: 'email_resend',
        });
      const before = await rejections();
      for (let i = 0; i < 3; i += 1) await resend(account).expect(202);

      const res = await resend(account).expect(429);
      expect(res.body).toMatchObject({ type: '/problems/rate_limited' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(await rejections()).toBe(before + 1);
      await nextMail(account.email, 4);
    });

    it('asks for a token to resend', async () => {
      await request(t.server).post('/api/v1/auth/email/resend').expect(401);
    });
  });

  describe('with REQUIRE_VERIFIED_EMAIL=true', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: appEnv({ REQUIRE_VERIFIED_EMAIL: 'true' }) });
    });
    afterAll(() => t?.close());

    const attempt = (email: string, password: string) =>
      request(t.server).post('/api/v1/auth/login').send({ email, password });

    it('refuses an unverified login with the right password only, and signs in once verified', async () => {
      const email = uniqueEmail('required');
      await request(t.server)
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: 'Ada' })
        .expect(201);

      const refused = await attempt(email, PASSWORD).expect(403);
      expect(refused.body).toMatchObject({ type: '/problems/email_not_verified', status: 403 });
      expect(refused.body.detail).toContain('forgot password');
      expect(refused.body.accessToken).toBeUndefined();

      const wrong = await attempt(email, 'not-the-password').expect(401);
      const unknown = await attempt(uniqueEmail('nobody'), 'not-the-password').expect(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined, requestId: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));

      await request(t.server)
        .post('/api/v1/auth/email/verify')
        .send({ token: linkIn(await nextMail(email)) })
        .expect(204);
      expect((await attempt(email, PASSWORD).expect(200)).body.accessToken).toEqual(expect.any(String));
    });

    it('lets the first admin in: that address counts as verified', async () => {
      const { ADMIN_EMAIL, ADMIN_PASSWORD } = appEnv();
      await attempt(ADMIN_EMAIL, ADMIN_PASSWORD).expect(200);
    });
  });

  describe('when the job store is down', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: appEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }) });
    });
    afterAll(() => t?.close());

    it('answers a resend with 503 and Retry-After, since the mail cannot be queued', async () => {
      const email = uniqueEmail('store-down');
      await request(t.server)
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: 'Ada' })
        .expect(201);
      const pair = await login(t.server, email, PASSWORD);

      const res = await request(t.server)
        .post('/api/v1/auth/email/resend')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(503);
      expect(res.body).toMatchObject({ type: '/problems/mail_unavailable', status: 503 });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
