import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  authEndOtherSessions,
  authEndSession,
  authForgotPassword,
  authListSessions,
  authLogin,
  authLogout,
  authRefresh,
  authRegister,
  authResendVerification,
  authResetPassword,
  authVerifyEmail,
  createApiClient,
  healthLive,
  healthReady,
  healthSummary,
  metricsScrape,
  problemsGet,
  problemsList,
  usersCreate,
  usersDelete,
  usersDeleteMe,
  usersGet,
  usersGetMe,
  usersList,
  usersUpdate,
  usersUpdateMe,
  type Client,
  type TokenPair,
} from '@nest-enterprise-backend/client';
import { ADMIN, authEnv, uniqueEmail } from '@test/factories/auth.factory';
import {
  body,
  ClientContractCheck,
  ContractViolation,
  empty,
  OPENAPI_FILE,
  operationsOf,
  problem,
} from '@test/support/contract-client';
import { loadOpenApiContract, OpenApiContract } from '@test/support/openapi-contract';
import { linkMailed, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const APP_URL = 'https://app.example.test';
const PASSWORD = 'a-good-password';

/**
 * The whole REST contract driven through the published client (packages/client) over a real
 * socket with the platform's fetch, as a consumer of the package would: every answer is checked
 * against openapi.json by a response interceptor, and the SDK's types are the document's, so
 * this file stops compiling when the document drops a field it reads or an operation it calls.
 */
describe('The typed client against a running instance', () => {
  const check = new ClientContractCheck(loadOpenApiContract());
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
  // Also an answer whose call's result nothing looked at.
  afterEach(() => expect(check.takeViolations()).toEqual([]));

  const client = (accessToken?: () => string): Client => check.install(createApiClient({ baseUrl, accessToken }));
  const anonymous = () => client();

  /** A signed-in user: `api` sends whatever `pair` holds at the time of the call. */
  class Account {
    readonly api: Client = client(() => this.pair.accessToken);
    constructor(
      readonly id: string,
      public email: string,
      public password: string,
      public pair: TokenPair,
    ) {}
    refresh() {
      return authRefresh({ client: anonymous(), body: { refreshToken: this.pair.refreshToken } });
    }
    me() {
      return usersGetMe({ client: this.api });
    }
  }

  const logIn = async (id: string, email: string, password: string) => {
    const pair = await body(authLogin({ client: anonymous(), body: { email, password } }), 200);
    return new Account(id, email, password, pair);
  };
  const signUp = async (email = uniqueEmail('client')) => {
    const user = await body(
      authRegister({ client: anonymous(), body: { email, password: PASSWORD, name: 'Ada' } }),
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
    linkMailed(smtp, { to, appUrl: APP_URL, page, count });

  it('registers, logs in, rotates the refresh token and logs out', async () => {
    const email = uniqueEmail('Client');
    const user = await body(
      authRegister({ client: anonymous(), body: { email, password: PASSWORD, name: 'Ada' } }),
      201,
    );
    expect(user).toMatchObject({ email: email.toLowerCase(), name: 'Ada', role: 'user', emailVerified: false });
    await problem(
      authRegister({ client: anonymous(), body: { email, password: PASSWORD, name: 'Ada' } }),
      409,
      'email_taken',
    );
    const invalid = await problem(
      authRegister({ client: anonymous(), body: { email: uniqueEmail(), password: 'short', name: 'Ada' } }),
      400,
      'validation_failed',
    );
    expect(invalid.errors?.map((e) => e.field)).toEqual(['password']);
    await problem(
      authLogin({ client: anonymous(), body: { email, password: 'not-the-password' } }),
      401,
      'invalid_credentials',
    );

    const account = await logIn(user.id, email, PASSWORD);
    expect(account.pair).toMatchObject({ tokenType: 'Bearer', expiresIn: expect.any(Number) });
    const first = account.pair;
    account.pair = await body(account.refresh(), 200);
    expect(account.pair.refreshToken).not.toBe(first.refreshToken);
    expect((await body(account.me(), 200)).id).toBe(user.id);

    await empty(authLogout({ client: account.api, body: { refreshToken: account.pair.refreshToken } }), 204);
    await problem(account.me(), 401, 'unauthorized');
    await problem(account.refresh(), 401, 'invalid_refresh_token');
  });

  it('reads and changes the signed-in user: name, password, email; then deletes the account', async () => {
    const account = await signUp();
    await problem(usersGetMe({ client: anonymous() }), 401, 'unauthorized');
    const renamed = await body(usersUpdateMe({ client: account.api, body: { name: 'Ada King' } }), 200);
    expect(renamed).toMatchObject({ id: account.id, name: 'Ada King' });

    const missing = await problem(
      usersUpdateMe({ client: account.api, body: { password: 'a-new-password' } }),
      400,
      'validation_failed',
    );
    expect(new Set(missing.errors?.map((e) => e.field))).toEqual(new Set(['currentPassword']));
    await body(
      usersUpdateMe({
        client: account.api,
        body: { password: 'a-new-password', currentPassword: account.password },
      }),
      200,
    );
    account.password = 'a-new-password';
    await logIn(account.id, account.email, account.password);

    const taken = await signUp();
    await problem(
      usersUpdateMe({ client: account.api, body: { email: taken.email, currentPassword: account.password } }),
      409,
      'email_taken',
    );
    const newEmail = uniqueEmail('moved');
    const asked = await body(
      usersUpdateMe({ client: account.api, body: { email: newEmail, currentPassword: account.password } }),
      200,
    );
    expect(asked.email).toBe(account.email);
    const token = await linkIn(newEmail, 'verify-email');
    await empty(authVerifyEmail({ client: anonymous(), body: { token } }), 204);
    expect((await body(account.me(), 200)).email).toBe(newEmail);

    await problem(
      usersDeleteMe({ client: account.api, body: { currentPassword: 'not-the-password' } }),
      400,
      'validation_failed',
    );
    await empty(usersDeleteMe({ client: account.api, body: { currentPassword: account.password } }), 204);
    await problem(account.me(), 401, 'unauthorized');
    await problem(
      authLogin({ client: anonymous(), body: { email: newEmail, password: account.password } }),
      401,
      'invalid_credentials',
    );
  });

  it('verifies the address with the mailed link, and mails a new link until then', async () => {
    const account = await signUp();
    await linkIn(account.email, 'verify-email');
    await empty(authResendVerification({ client: account.api }), 202);
    const token = await linkIn(account.email, 'verify-email', 2);

    await problem(authVerifyEmail({ client: anonymous(), body: { token: 'not-a-token' } }), 400, 'invalid_token');
    await empty(authVerifyEmail({ client: anonymous(), body: { token } }), 204);
    expect((await body(account.me(), 200)).emailVerified).toBe(true);
    await problem(authResendVerification({ client: account.api }), 409, 'email_already_verified');
  });

  it('sets a forgotten password with the mailed link, which ends every session', async () => {
    const account = await signUp();
    await empty(authForgotPassword({ client: anonymous(), body: { email: uniqueEmail('ghost') } }), 202);
    await empty(authForgotPassword({ client: anonymous(), body: { email: account.email } }), 202);
    await problem(
      authForgotPassword({ client: anonymous(), body: { email: 'not-an-address' } }),
      400,
      'validation_failed',
    );
    const token = await linkIn(account.email, 'reset-password');

    await empty(authResetPassword({ client: anonymous(), body: { token, password: 'a-reset-password' } }), 204);
    await problem(account.refresh(), 401, 'invalid_refresh_token');
    await logIn(account.id, account.email, 'a-reset-password');
    await problem(
      authResetPassword({ client: anonymous(), body: { token, password: 'another-password' } }),
      400,
      'invalid_token',
    );
  });

  it("lists the caller's sessions and ends one, or all the others", async () => {
    const laptop = await signUp();
    const phone = await logIn(laptop.id, laptop.email, laptop.password);
    const tablet = await logIn(laptop.id, laptop.email, laptop.password);

    const sessions = await body(authListSessions({ client: laptop.api }), 200);
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((session) => session.current)).toHaveLength(1);
    const phoneSession = (await body(authListSessions({ client: phone.api }), 200)).find((s) => s.current);
    await empty(authEndSession({ client: laptop.api, path: { id: phoneSession!.id } }), 204);
    await problem(phone.refresh(), 401, 'invalid_refresh_token');
    await problem(authEndSession({ client: laptop.api, path: { id: randomUUID() } }), 404, 'not_found');

    await empty(authEndOtherSessions({ client: laptop.api }), 204);
    await problem(tablet.me(), 401, 'unauthorized');
    const left = await body(authListSessions({ client: laptop.api }), 200);
    expect(left.map((session) => session.current)).toEqual([true]);
  });

  it('lets an admin list, read, change, invite and delete users, and nobody else', async () => {
    const admin = await signInAdmin();
    const user = await signUp();
    await problem(usersList({ client: user.api }), 403, 'forbidden');
    expect((await body(usersGet({ client: user.api, path: { id: user.id } }), 200)).id).toBe(user.id);

    const page = await body(
      usersList({ client: admin.api, query: { search: user.email, limit: 5, sort: 'email:asc' } }),
      200,
    );
    expect(page.data.map((found) => found.id)).toEqual([user.id]);
    expect(page.meta).toEqual({ page: 1, limit: 5, total: 1, totalPages: 1 });
    await problem(usersList({ client: admin.api, query: { limit: 1000 } }), 400, 'validation_failed');
    await problem(usersGet({ client: admin.api, path: { id: 'not-a-uuid' } }), 400, 'validation_failed');
    await problem(usersGet({ client: admin.api, path: { id: randomUUID() } }), 404, 'not_found');

    const byId = { path: { id: user.id } };
    const changed = await body(
      usersUpdate({ client: admin.api, ...byId, body: { name: 'Ada Byron', isActive: false } }),
      200,
    );
    expect(changed).toMatchObject({ name: 'Ada Byron', isActive: false });
    await problem(user.me(), 401, 'unauthorized');
    await problem(
      usersUpdate({ client: admin.api, path: { id: admin.id }, body: { role: 'user' } }),
      409,
      'last_admin',
    );

    const invitee = uniqueEmail('invited');
    const invited = await body(usersCreate({ client: admin.api, body: { email: invitee, name: 'Grace' } }), 201);
    expect(invited).toMatchObject({ email: invitee, role: 'user' });
    await problem(usersCreate({ client: admin.api, body: { email: invitee, name: 'Grace' } }), 409, 'email_taken');
    const token = await linkIn(invitee, 'reset-password');
    await empty(authResetPassword({ client: anonymous(), body: { token, password: 'an-invited-password' } }), 204);
    await logIn(invited.id, invitee, 'an-invited-password');

    await empty(usersDelete({ client: admin.api, ...byId }), 204);
    await problem(usersDelete({ client: admin.api, ...byId }), 404, 'not_found');
  });

  it('serves the probes and the metrics', async () => {
    expect((await body(healthLive({ client: anonymous() }), 200)).status).toBe('ok');
    const ready = await body(healthReady({ client: anonymous() }), 200);
    expect(ready).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    expect(await body(healthSummary({ client: anonymous() }), 200)).toMatchObject({
      status: 'ok',
      checks: { database: 'up' },
    });
    const metrics = await body(metricsScrape({ client: anonymous() }), 200);
    expect(metrics).toContain('http_requests_total{');
  });

  it('serves the page a problem type names, and the registry of them all', async () => {
    const refused = await problem(usersGetMe({ client: anonymous() }), 401, 'unauthorized');
    expect(refused.type).toBe('/problems/unauthorized');
    const page = await body(problemsGet({ client: anonymous(), path: { code: 'unauthorized' } }), 200);
    expect(page).toContain('unauthorized');
    expect(await body(problemsList({ client: anonymous() }), 200)).toContain('/problems/unauthorized');
  });

  it('fails a call whose answer the document does not describe, and keeps it for afterEach', async () => {
    // A document in which /health/live answers a number as `status`: the service's "ok" breaks it.
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
    document.components.schemas.Liveness.properties.status = { type: 'integer' };
    const strict = new ClientContractCheck(new OpenApiContract(document));
    const api = strict.install(createApiClient({ baseUrl }));

    const result = await healthLive({ client: api });
    expect(result.data).toBeUndefined();
    expect(result.error).toBeInstanceOf(ContractViolation);
    await expect(body(healthLive({ client: api }), 200)).rejects.toThrow(/GET \/health\/live 200 is not what/);
    expect(strict.takeViolations()).toEqual([
      expect.stringContaining('GET /health/live 200'),
      expect.stringContaining('GET /health/live 200'),
    ]);
    expect(strict.takeViolations()).toEqual([]);
  });

  it('has called every operation of openapi.json (in the tests above)', () => {
    expect([...check.called].sort()).toEqual(operationsOf().sort());
  });
});
