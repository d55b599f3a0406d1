import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApiClient, components, createApiClient } from '@nest-enterprise-backend/client';
import { ADMIN, authEnv, uniqueEmail } from '@test/factories/auth.factory';
import { body, checkedBy, empty, operationsOf, problem } from '@test/support/contract-client';
import { loadOpenApiContract } from '@test/support/openapi-contract';
import { startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

const APP_URL = 'https://app.example.test';
const PASSWORD = 'a-good-password';

type TokenPair = components['schemas']['TokenPair'];

/**
 * The whole REST contract driven through the published client (packages/client) over a real
 * socket with the platform's fetch, as a consumer of the package would: every answer is checked
 * against openapi.json, and the client's types are the document's, so this file stops compiling
 * when the document drops a field it reads or a route it calls.
 */
describe('The typed client against a running instance', () => {
  const contract = loadOpenApiContract();
  const called = new Set<string>();
  let smtp: TestSmtpServer;
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: authEnv({
        SMTP_URL: smtp.url,
        APP_PUBLIC_URL: APP_URL,
        // Every call comes from 127.0.0.1: the per-client budgets would otherwise be the test's.
        ACCOUNT_ACTION_LIMIT_PER_CLIENT: '1000',
        LOGIN_MAX_FAILURES_PER_CLIENT: '1000',
        JOBS_BACKOFF: '50ms',
        JOBS_POLL_INTERVAL: '20ms',
      }),
    });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const client = (accessToken?: () => string): ApiClient => {
    const api = createApiClient({ baseUrl, accessToken });
    api.use(checkedBy(contract, called));
    return api;
  };
  const anonymous = () => client();

  /** A signed-in user: `api` sends whatever `pair` holds at the time of the call. */
  class Account {
    readonly api: ApiClient = client(() => this.pair.accessToken);
    constructor(
      readonly id: string,
      public email: string,
      public password: string,
      public pair: TokenPair,
    ) {}
    refresh() {
      return anonymous().POST('/api/v1/auth/refresh', { body: { refreshToken: this.pair.refreshToken } });
    }
    me() {
      return this.api.GET('/api/v1/users/me');
    }
  }

  const logIn = async (id: string, email: string, password: string) => {
    const pair = await body(anonymous().POST('/api/v1/auth/login', { body: { email, password } }), 200);
    return new Account(id, email, password, pair);
  };
  const signUp = async (email = uniqueEmail('client')) => {
    const user = await body(
      anonymous().POST('/api/v1/auth/register', { body: { email, password: PASSWORD, name: 'Ada' } }),
      201,
    );
    return logIn(user.id, email, PASSWORD);
  };
  const signInAdmin = async () => {
    const admin = await logIn('', ADMIN.email, ADMIN.password);
    const me = await body(admin.me(), 200);
    return new Account(me.id, admin.email, admin.password, admin.pair);
  };
  /** The token of the `count`-th `<APP_URL>/<page>?token=` link mailed to `to`. */
  const linkIn = (to: string, page: 'verify-email' | 'reset-password', count = 1) =>
    waitFor(
      () =>
        smtp.messages
          .filter((mail) => mail.to.includes(to))
          .map((mail) => tokenIn(mail, APP_URL, page))
          .filter((token) => token !== undefined)[count - 1],
      { what: `${page} link ${count} to ${to}` },
    );

  it('registers, logs in, rotates the refresh token and logs out', async () => {
    const email = uniqueEmail('Client');
    const user = await body(
      anonymous().POST('/api/v1/auth/register', { body: { email, password: PASSWORD, name: 'Ada' } }),
      201,
    );
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Ada', role: 'user', emailVerified: false });
    await problem(
      anonymous().POST('/api/v1/auth/register', { body: { email, password: PASSWORD, name: 'Ada' } }),
      409,
      'email_taken',
    );
    const invalid = await problem(
      anonymous().POST('/api/v1/auth/register', { body: { email: uniqueEmail(), password: 'short', name: 'Ada' } }),
      400,
      'validation_failed',
    );
    expect(invalid.errors?.map((e) => e.field)).toEqual(['password']);
    await problem(
      anonymous().POST('/api/v1/auth/login', { body: { email, password: 'not-the-password' } }),
      401,
      'invalid_credentials',
    );

    const account = await logIn(user.id, email, PASSWORD);
    expect(account.pair).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.any(Number) });
    const first = account.pair;
    account.pair = await body(account.refresh(), 200);
    expect(account.pair.refreshToken).not.toBe(first.refreshToken);
    expect((await body(account.me(), 200)).id).toBe(user.id);

    await empty(account.api.POST('/api/v1/auth/logout', { body: { refreshToken: account.pair.refreshToken } }), 204);
    await problem(account.me(), 401, 'unauthorized');
    await problem(account.refresh(), 401, 'invalid_refresh_token');
  });

  it('reads and changes the signed-in user: name, password, email; then deletes the account', async () => {
    const account = await signUp();
    await problem(anonymous().GET('/api/v1/users/me'), 401, 'unauthorized');
    const renamed = await body(account.api.PATCH('/api/v1/users/me', { body: { name: 'Ada King' } }), 200);
    expect(renamed).toMatchObject({ id: account.id, name: 'Ada King' });

    const missing = await problem(
      account.api.PATCH('/api/v1/users/me', { body: { password: 'a-new-password' } }),
      400,
      'validation_failed',
    );
    expect(new Set(missing.errors?.map((e) => e.field))).toEqual(new Set(['currentPassword']));
    await body(
      account.api.PATCH('/api/v1/users/me', {
        body: { password: 'a-new-password', currentPassword: account.password },
      }),
      200,
    );
    account.password = 'a-new-password';
    await logIn(account.id, account.email, account.password);

    const taken = await signUp();
    await problem(
      account.api.PATCH('/api/v1/users/me', { body: { email: taken.email, currentPassword: account.password } }),
      409,
      'email_taken',
    );
    const newEmail = uniqueEmail('moved');
    const asked = await body(
      account.api.PATCH('/api/v1/users/me', { body: { email: newEmail, currentPassword: account.password } }),
      200,
    );
    expect(asked.email).toBe(account.email);
    const token = await linkIn(newEmail, 'verify-email');
    await empty(anonymous().POST('/api/v1/auth/email/verify', { body: { token } }), 204);
    expect((await body(account.me(), 200)).email).toBe(newEmail);

    await problem(
      account.api.DELETE('/api/v1/users/me', { body: { currentPassword: 'not-the-password' } }),
      400,
      'validation_failed',
    );
    await empty(account.api.DELETE('/api/v1/users/me', { body: { currentPassword: account.password } }), 204);
    await problem(account.me(), 401, 'unauthorized');
    await problem(
      anonymous().POST('/api/v1/auth/login', { body: { email: newEmail, password: account.password } }),
      401,
      'invalid_credentials',
    );
  });

  it('verifies the address with the mailed link, and mails a new link until then', async () => {
    const account = await signUp();
    await linkIn(account.email, 'verify-email');
    await empty(account.api.POST('/api/v1/auth/email/resend'), 202);
    const token = await linkIn(account.email, 'verify-email', 2);

    await problem(
      anonymous().POST('/api/v1/auth/email/verify', { body: { token: 'not-a-token' } }),
      400,
      'invalid_token',
    );
    await empty(anonymous().POST('/api/v1/auth/email/verify', { body: { token } }), 204);
    expect((await body(account.me(), 200)).emailVerified).toBe(true);
    await problem(account.api.POST('/api/v1/auth/email/resend'), 409, 'email_already_verified');
  });

  it('sets a forgotten password with the mailed link, which ends every session', async () => {
    const account = await signUp();
    await empty(anonymous().POST('/api/v1/auth/password/forgot', { body: { email: uniqueEmail('ghost') } }), 202);
    await empty(anonymous().POST('/api/v1/auth/password/forgot', { body: { email: account.email } }), 202);
    await problem(
      anonymous().POST('/api/v1/auth/password/forgot', { body: { email: 'not-an-address' } }),
      400,
      'validation_failed',
    );
    const token = await linkIn(account.email, 'reset-password');

    await empty(
      anonymous().POST('/api/v1/auth/password/reset', { body: { token, password: 'a-reset-password' } }),
      204,
    );
    await problem(account.refresh(), 401, 'invalid_refresh_token');
    await logIn(account.id, account.email, 'a-reset-password');
    await problem(
      anonymous().POST('/api/v1/auth/password/reset', { body: { token, password: 'another-password' } }),
      400,
      'invalid_token',
    );
  });

  it("lists the caller's sessions and ends one, or all the others", async () => {
    const laptop = await signUp();
    const phone = await logIn(laptop.id, laptop.email, laptop.password);
    const tablet = await logIn(laptop.id, laptop.email, laptop.password);

    const sessions = await body(laptop.api.GET('/api/v1/auth/sessions'), 200);
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    const phoneSession = (await body(phone.api.GET('/api/v1/auth/sessions'), 200)).find((s) => s.current);
    await empty(laptop.api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id: phoneSession!.id } } }), 204);
    await problem(phone.refresh(), 401, 'invalid_refresh_token');
    await problem(
      laptop.api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id: randomUUID() } } }),
      404,
      'not_found',
    );

    await empty(laptop.api.DELETE('/api/v1/auth/sessions'), 204);
    await problem(tablet.me(), 401, 'unauthorized');
    const left = await body(laptop.api.GET('/api/v1/auth/sessions'), 200);
    expect(left.map((session) => session.current)).toEqual([true]);
  });

  it('lets an admin list, read, change, invite and delete users, and nobody else', async () => {
    const admin = await signInAdmin();
    const user = await signUp();
    await problem(user.api.GET('/api/v1/users'), 403, 'forbidden');
    expect((await body(user.api.GET('/api/v1/users/{id}', { params: { path: { id: user.id } } }), 200)).id).toBe(
      user.id,
    );

    const page = await body(
      admin.api.GET('/api/v1/users', { params: { query: { search: user.email, limit: 5, sort: 'email:asc' } } }),
      200,
    );
    expect(page.data.map((found) => found.id)).toEqual([user.id]);
    expect(page.meta).toEqual({ page: 1, limit: 5, total: 1, totalPages: 1 });
    await problem(admin.api.GET('/api/v1/users', { params: { query: { limit: 1000 } } }), 400, 'validation_failed');
    await problem(
      admin.api.GET('/api/v1/users/{id}', { params: { path: { id: 'not-a-uuid' } } }),
      400,
      'validation_failed',
    );
    await problem(admin.api.GET('/api/v1/users/{id}', { params: { path: { id: randomUUID() } } }), 404, 'not_found');

    const byId = { params: { path: { id: user.id } } };
    const changed = await body(
      admin.api.PATCH('/api/v1/users/{id}', { ...byId, body: { name: 'Ada Byron', isActive: false } }),
      200,
    );
    expect(changed).toMatchObject({ name: 'Ada Byron', isActive: false });
    await problem(user.me(), 401, 'unauthorized');
    await problem(
      admin.api.PATCH('/api/v1/users/{id}', { params: { path: { id: admin.id } }, body: { role: 'user' } }),
      409,
      'last_admin',
    );

    const invitee = uniqueEmail('invited');
    const invited = await body(admin.api.POST('/api/v1/users', { body: { email: invitee, name: 'Grace' } }), 201);
    expect(invited).toMatchObject({ email: invitee, role: 'user' });
    await problem(admin.api.POST('/api/v1/users', { body: { email: invitee, name: 'Grace' } }), 409, 'email_taken');
    const token = await linkIn(invitee, 'reset-password');
    await empty(
      anonymous().POST('/api/v1/auth/password/reset', { body: { token, password: 'an-invited-password' } }),
      204,
    );
    await logIn(invited.id, invitee, 'an-invited-password');

    await empty(admin.api.DELETE('/api/v1/users/{id}', byId), 204);
    await problem(admin.api.DELETE('/api/v1/users/{id}', byId), 404, 'not_found');
  });

  it('serves the probes and the metrics', async () => {
    expect((await body(anonymous().GET('/health/live'), 200)).status).toBe('ok');
    const ready = await body(anonymous().GET('/health/ready'), 200);
    expect(ready).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    expect(await body(anonymous().GET('/health'), 200)).toMatchObject({ status: 'ok', checks: { database: 'up' } });
    const metrics = await body(anonymous().GET('/metrics', { parseAs: 'text' }), 200);
    expect(metrics).toContain('http_requests_total{');
  });

  it('serves the page a problem type names, and the registry of them all', async () => {
    const refused = await problem(anonymous().GET('/api/v1/users/me'), 401, 'unauthorized');
    expect(refused.type).toBe('/problems/unauthorized');
    const page = await body(
      anonymous().GET('/problems/{code}', { params: { path: { code: 'unauthorized' } }, parseAs: 'text' }),
      200,
    );
    expect(page).toContain('unauthorized');
    expect(await body(anonymous().GET('/problems', { parseAs: 'text' }), 200)).toContain('/problems/unauthorized');
  });

  it('has called every operation of openapi.json (in the tests above)', () => {
    expect([...called].sort()).toEqual(operationsOf().sort());
  });
});
