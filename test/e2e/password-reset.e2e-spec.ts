import type { Server } from 'node:http';
import request from 'supertest';
import { AfterQueryEvent, DataSource, EntitySubscriberInterface } from 'typeorm';
import { requestContextFields } from '@/infra/logging/request-context';
import { AccountTokens, TokenOptions } from '@/modules/users/tokens/account-tokens.service';
import type { TokenPurpose } from '@/modules/users/tokens/entities/account-token.entity';
import { freePort } from '@tools/free-port';
import {
  ADMIN,
  authEnv,
  login,
  loginAdmin,
  registerAndLogin,
  SignedIn,
  uniqueEmail,
} from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { linkMailed, ReceivedMail, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const APP_URL = 'https://app.example.test';
const HOUR_MS = 3_600_000;
const NEW_PASSWORD = 'a-brand-new-password';
const PER_ACCOUNT = 3;
const PER_CLIENT = 6;
/** What both routes answer besides their success status. */
const ERROR_STATUSES = ['400', '409', '413', '415', '422', '429', '500', '503'];

/** One client address per use, so no test spends another's per-client budget (TRUST_PROXY=true). */
let lastClient = 0;
const freshClient = () => `198.51.100.${(lastClient += 1)}`;

const forgot = (server: Server, email: string, client = freshClient()) =>
  request(server).post('/api/v1/auth/password/forgot').set('X-Forwarded-For', client).send({ email });
const reset = (server: Server, token: string, password = NEW_PASSWORD, client = freshClient()) =>
  request(server).post('/api/v1/auth/password/reset').set('X-Forwarded-For', client).send({ token, password });
const me = (server: Server, bearer: string) => request(server).get('/api/v1/users/me').set('Authorization', bearer);

/** The SQL text of every statement a request issued, keyed by its request id (the request's async context). */
class StatementsByRequest implements EntitySubscriberInterface {
  private readonly seen = new Map<string, string[]>();

  afterQuery(event: AfterQueryEvent): void {
    const { requestId } = requestContextFields();
    if (requestId) this.seen.set(requestId, [...(this.seen.get(requestId) ?? []), event.query]);
  }

  of(res: { headers: Record<string, string> }): string[] {
    return this.seen.get(res.headers['x-request-id']) ?? [];
  }
}

const touchesUsers = (sql: string) => /\busers\b/i.test(sql);

describe('Forgot and reset password', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let tokens: AccountTokens;
  const statements = new StatementsByRequest();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: authEnv({
        SMTP_URL: smtp.url,
        APP_PUBLIC_URL: APP_URL,
        TRUST_PROXY: 'true',
        ACCOUNT_ACTION_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
        ACCOUNT_ACTION_LIMIT_PER_CLIENT: String(PER_CLIENT),
        // One mail job at a time, in order: a later mail proves the jobs before it ran.
        JOBS_CONCURRENCY: '1',
        JOBS_BACKOFF: '50ms',
        JOBS_POLL_INTERVAL: '20ms',
      }),
    });
    tokens = t.app.get(AccountTokens);
    t.app.get(DataSource).subscribers.push(statements);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const mailsTo = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  /** The token of the `count`-th reset link mailed to `to`. */
  const resetLink = (to: string, count = 1) => linkMailed(smtp, { to, appUrl: APP_URL, page: 'reset-password', count });
  const metrics = async () => (await request(t.server).get('/metrics').expect(200)).text;
  const resets = (text: string, outcome: string) => metricSample(text, 'app_auth_password_resets_total', { outcome });
  const revoked = (text: string) => metricSample(text, 'auth_tokens_revoked_total', { reason: 'password_reset' });
  const refresh = (user: SignedIn) =>
    request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: user.tokens.refreshToken });
  const rejections = async (limiter: string) =>
    metricSample(await metrics(), 'rate_limit_rejections_total', { limiter });
  /** A link of `purpose` to the user's own address, valid for an hour from `issuedAt`. */
  const linkFor = (user: SignedIn, purpose: TokenPurpose, options: Partial<TokenOptions> = {}, issuedAt?: Date) =>
    tokens.issue(user.id, purpose, { ttlMs: HOUR_MS, email: user.email, ...options }, issuedAt);
  /** Resets with `token` and expects the one answer for any unusable link. */
  const expectInvalidLink = async (token: string, password = NEW_PASSWORD) => {
    const res = await reset(t.server, token, password).expect(400);
    expect(res.body).toMatchObject({ type: '/problems/invalid_token', status: 400 });
  };
  /** The profile the user sees after logging in with `password`. */
  const profileAfterLogin = async (user: SignedIn, password = NEW_PASSWORD) => {
    const fresh = await login(t.server, user.email, password);
    return (await me(t.server, `Bearer ${fresh.accessToken}`).expect(200)).body;
  };

  it('mails a link that sets the new password, verifies the address and ends every session', async () => {
    const user = await registerAndLogin(t.server);
    const second = { ...user, tokens: await login(t.server, user.email, user.password) };
    const before = await metrics();

    const asked = await forgot(t.server, user.email.toUpperCase()).expect(202);
    expect(asked.text).toBe('');
    const token = await resetLink(user.email);
    await reset(t.server, token).expect(204);

    await me(t.server, user.bearer).expect(401);
    await me(t.server, `Bearer ${second.tokens.accessToken}`).expect(401);
    await refresh(user).expect(401);
    await refresh(second).expect(401);
    await request(t.server).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
    expect((await profileAfterLogin(user)).emailVerified).toBe(true);

    await expectInvalidLink(token, 'yet-another-password');

    const after = await metrics();
    expect(resets(after, 'success')).toBe(resets(before, 'success') + 1);
    expect(resets(after, 'invalid_token')).toBe(resets(before, 'invalid_token') + 1);
    expect(revoked(after)).toBe(revoked(before) + 2);
  });

  it('answers an unknown address exactly as a known one, with the same statements and no mail', async () => {
    const user = await registerAndLogin(t.server);
    const ghost = uniqueEmail('ghost');

    const unknown = await forgot(t.server, ghost).expect(202);
    const known = await forgot(t.server, user.email).expect(202);
    expect(known.text).toBe(unknown.text);
    const varying = new Set(['date', 'x-request-id', 'x-ratelimit-reset']);
    const stable = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !varying.has(name)));
    expect(stable(known.headers)).toEqual(stable(unknown.headers));

    // The request does not look the account up (the job does), so both issue the same statements.
    expect(statements.of(known)).toEqual(statements.of(unknown));
    expect(statements.of(known).filter(touchesUsers)).toEqual([]);
    // The unknown address's job ran before the known one's mail went out: it sent nothing.
    const token = await resetLink(user.email);
    expect(mailsTo(ghost)).toEqual([]);

    // The statements are seen at all: a reset, which does read the user, shows up.
    const done = await reset(t.server, token).expect(204);
    expect(statements.of(done).some(touchesUsers)).toBe(true);
  });

  it('refuses an expired link, and the links of other purposes', async () => {
    const user = await registerAndLogin(t.server);
    const expired = await linkFor(user, 'reset_password', {}, new Date(Date.now() - 2 * HOUR_MS));
    const verify = await linkFor(user, 'verify_email');
    const change = await linkFor(user, 'change_email', { email: uniqueEmail('new') });

    for (const token of [expired, verify, change, 'not-a-token']) await expectInvalidLink(token);
    await login(t.server, user.email, user.password);
  });

  it('refuses a weak password without spending the link, which then still works', async () => {
    const user = await registerAndLogin(t.server);
    const token = await linkFor(user, 'reset_password');

    for (const weak of ['password', 'short', 'x'.repeat(129)]) {
      const res = await reset(t.server, token, weak).expect(400);
      expect(res.body.type).toBe('/problems/validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['password']);
    }
    await reset(t.server, token).expect(204);
    await login(t.server, user.email, NEW_PASSWORD);
  });

  it('lets exactly one of concurrent resets with one link succeed', async () => {
    const user = await registerAndLogin(t.server);
    const token = await linkFor(user, 'reset_password');

    const passwords = Array.from({ length: PER_ACCOUNT }, (_, i) => `${NEW_PASSWORD}-${i}`);
    const answers = await Promise.all(passwords.map((password) => reset(t.server, token, password)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([204, ...Array.from({ length: PER_ACCOUNT - 1 }, () => 400)]);
    const winner = passwords[answers.findIndex((res) => res.status === 204)];
    await login(t.server, user.email, winner);
    for (const loser of answers.filter((res) => res.status === 400)) {
      expect(loser.body.type).toBe('/problems/invalid_token');
    }
  });

  it('sets the password with an invitation link and verifies the invited address', async () => {
    const user = await registerAndLogin(t.server);
    const token = await linkFor(user, 'invitation');

    await reset(t.server, token).expect(204);
    expect((await profileAfterLogin(user)).emailVerified).toBe(true);
    await me(t.server, user.bearer).expect(401);
  });

  it('supersedes the other reset and invitation links of the account', async () => {
    const user = await registerAndLogin(t.server);
    const invitation = await linkFor(user, 'invitation');
    const token = await linkFor(user, 'reset_password');

    await reset(t.server, token).expect(204);
    await expectInvalidLink(invitation);
  });

  it('refuses the link of a deactivated account like an invalid one', async () => {
    const user = await registerAndLogin(t.server);
    const token = await linkFor(user, 'reset_password');
    const admin = await loginAdmin(t.server);
    await request(t.server)
      .patch(`/api/v1/users/${user.id}`)
      .set('Authorization', admin.bearer)
      .send({ isActive: false })
      .expect(200);

    await expectInvalidLink(token);
  });

  it('limits forgot per address, known or not, whichever clients ask', async () => {
    const user = await registerAndLogin(t.server);
    for (const email of [user.email, uniqueEmail('ghost')]) {
      for (let i = 0; i < PER_ACCOUNT; i += 1) await forgot(t.server, email).expect(202);
      const refused = await forgot(t.server, email.toUpperCase()).expect(429);
      expect(refused.body.type).toBe('/problems/rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(await rejections('password_forgot')).toBeGreaterThanOrEqual(2);
  });

  it('limits forgot and reset per client, whichever addresses and links it tries', async () => {
    const forgotClient = freshClient();
    for (let i = 0; i < PER_CLIENT; i += 1) await forgot(t.server, uniqueEmail('spray'), forgotClient).expect(202);
    await forgot(t.server, uniqueEmail('spray'), forgotClient).expect(429);
    await forgot(t.server, uniqueEmail('spray')).expect(202);

    const resetClient = freshClient();
    const guess = () => Buffer.from(uniqueEmail()).toString('base64url').padEnd(43, 'A').slice(0, 43);
    for (let i = 0; i < PER_CLIENT; i += 1) await reset(t.server, guess(), NEW_PASSWORD, resetClient).expect(400);
    const refused = await reset(t.server, guess(), NEW_PASSWORD, resetClient).expect(429);
    expect(refused.body.type).toBe('/problems/rate_limited');
    expect(await rejections('password_reset')).toBeGreaterThanOrEqual(1);
  });

  it('documents both routes as public, with every status they answer', async () => {
    const paths = (await request(t.server).get('/docs-json').expect(200)).body.paths;
    const statuses = (path: string) => Object.keys(paths[path].post.responses).sort();
    expect(statuses('/api/v1/auth/password/forgot')).toEqual(['202', ...ERROR_STATUSES]);
    expect(statuses('/api/v1/auth/password/reset')).toEqual(['204', ...ERROR_STATUSES]);
  });
});

describe('Forgot password when the job store is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, THROTTLE_FAIL_CLOSED: 'false' }),
    });
  });
  afterAll(() => t?.close());

  it('answers 503 for a known and an unknown address alike', async () => {
    const known = await forgot(t.server, ADMIN.email).expect(503);
    const unknown = await forgot(t.server, uniqueEmail('ghost')).expect(503);
    for (const res of [known, unknown]) {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('/problems/mail_unavailable');
    }
    expect(known.body.detail).toBe(unknown.body.detail);
  });
});
