import request from 'supertest';
import { AccountTokens } from '@/modules/users/tokens/account-tokens.service';
import { waitFor } from '@tools/wait-for';
import { authEnv, login, loginAdmin, registerAndLogin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';
import { captureLogLines } from '@test/support/log-lines';
import { createTestApp, TestApp } from '@test/support/test-app';

type Line = Record<string, unknown>;

/**
 * What an operator reads in the log: one structured line per authentication decision,
 * with who and from where but no credential, and access-log urls without query secrets.
 */
describe('Audit log', () => {
  const out = captureLogLines();
  let t: TestApp;
  let sequence = 0;

  /** A request id of its own per call, so a test reads exactly the lines of its request. */
  const nextId = () => `audit-${(sequence += 1)}`;
  const auditOf = (requestId: string): Line[] =>
    out.lines.filter((line) => line.requestId === requestId && line.event !== undefined);
  const post = (path: string, requestId: string, body: object, ip = '198.51.100.7') =>
    request(t.server).post(path).set('X-Request-Id', requestId).set('X-Forwarded-For', ip).send(body);
  /** No audit line may carry the account's email, a password or a token. */
  const expectNoSecrets = (lines: Line[], ...secrets: string[]) => {
    const text = JSON.stringify(lines);
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ LOG_LEVEL: 'info', TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' }),
      logs: out.stream,
    });
  });
  afterAll(() => t.close());

  it('logs access_token=[REDACTED] in the access log, keeps the other parameters, and never the value', async () => {
    const requestId = nextId();
    await request(t.server).get('/api/v1/users?access_token=secret123&page=2').set('X-Request-Id', requestId);

    const line = await waitFor(() => out.lines.find((l) => l.requestId === requestId && l.msg === 'request completed'));
    expect(line.req).toMatchObject({ url: '/api/v1/users?access_token=[REDACTED]&page=2' });
    expect(JSON.stringify(out.lines)).not.toContain('secret123');
  });

  it('logs a failed login once, with the user id, the reason and the client, and no email or password', async () => {
    const user = await registerAndLogin(t.server);
    const requestId = nextId();
    await post('/api/v1/auth/login', requestId, { email: user.email, password: 'wrong-password' }).expect(401);

    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        context: 'Audit',
        event: 'auth.login.failed',
        userId: user.id,
        reason: 'bad_password',
        ip: '198.51.100.7',
        requestId,
      }),
    ]);
    expectNoSecrets(lines, user.email, 'wrong-password', user.password);
  });

  it('logs a login for an unknown email without naming the address', async () => {
    const email = uniqueEmail('nobody');
    const requestId = nextId();
    await post('/api/v1/auth/login', requestId, { email, password: 'whatever-password' }).expect(401);

    const lines = auditOf(requestId);
    expect(lines).toEqual([expect.objectContaining({ event: 'auth.login.failed', reason: 'unknown_account' })]);
    expect(lines[0]).not.toHaveProperty('userId');
    expectNoSecrets(lines, email, 'whatever-password');
  });

  it('logs a successful login once, with the user and the new session, and no token', async () => {
    const user = await registerAndLogin(t.server);
    const requestId = nextId();
    const res = await post('/api/v1/auth/login', requestId, { email: user.email, password: user.password }).expect(200);

    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        event: 'auth.login.succeeded',
        userId: user.id,
        sessionId: expect.any(String),
        ip: '198.51.100.7',
        requestId,
      }),
    ]);
    expectNoSecrets(lines, user.email, user.password, res.body.accessToken, res.body.refreshToken);
  });

  it('logs a lockout once, for the account it protects', async () => {
    const user = await registerAndLogin(t.server);
    for (let i = 0; i < 2; i += 1) {
      await post('/api/v1/auth/login', nextId(), { email: user.email, password: 'wrong-password' }, '198.51.100.8');
    }
    const requestId = nextId();
    await post('/api/v1/auth/login', requestId, { email: user.email, password: user.password }, '198.51.100.8').expect(
      429,
    );

    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, event: 'auth.login.locked_out', userId: user.id, ip: '198.51.100.8' }),
    ]);
    expectNoSecrets(lines, user.email, user.password);
  });

  it('logs a refresh-token reuse once, then the revocation of its session, and no token', async () => {
    const user = await registerAndLogin(t.server);
    const spent = user.tokens.refreshToken;
    const rotated = await post('/api/v1/auth/refresh', nextId(), { refreshToken: spent }).expect(200);
    const requestId = nextId();
    await post('/api/v1/auth/refresh', requestId, { refreshToken: spent }).expect(401);

    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'auth.refresh.reused',
        userId: user.id,
        sessionId: expect.any(String),
      }),
      expect.objectContaining({ event: 'auth.sessions.revoked', userId: user.id, reason: 'refresh_reuse', count: 1 }),
    ]);
    expect(lines[1].sessionId).toBeUndefined();
    expectNoSecrets(lines, spent, rotated.body.refreshToken);
  });

  it('logs a refused refresh token with the reason', async () => {
    const requestId = nextId();
    await post('/api/v1/auth/refresh', requestId, { refreshToken: 'not-a-token-we-issued' }).expect(401);

    expect(auditOf(requestId)).toEqual([
      expect.objectContaining({ level: 40, event: 'auth.refresh.failed', reason: 'unknown_token' }),
    ]);
    expectNoSecrets(auditOf(requestId), 'not-a-token-we-issued');
  });

  it('logs a password change once, by the caller, then the revocation of their other sessions', async () => {
    const user = await registerAndLogin(t.server);
    await login(t.server, user.email, user.password);
    const requestId = nextId();
    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .set('X-Request-Id', requestId)
      .send({ password: 'brand-new-password', currentPassword: user.password })
      .expect(200);

    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        event: 'auth.password.changed',
        userId: user.id,
        actorId: user.id,
        sessionId: expect.any(String),
      }),
      expect.objectContaining({ event: 'auth.sessions.revoked', reason: 'password_change', count: 1 }),
    ]);
    expectNoSecrets(lines, user.email, user.password, 'brand-new-password', user.tokens.accessToken);
  });

  it('logs a reset request without naming an account, and a reset then the revocation it causes', async () => {
    const user = await registerAndLogin(t.server);
    const asked = nextId();
    await post('/api/v1/auth/password/forgot', asked, { email: user.email }).expect(202);
    expect(auditOf(asked)).toEqual([expect.objectContaining({ level: 30, event: 'auth.password.reset_requested' })]);
    expect(auditOf(asked)[0]).not.toHaveProperty('userId');

    // Another account: the mail job just queued would supersede a link issued to the first.
    const other = await registerAndLogin(t.server);
    const token = await t.app
      .get(AccountTokens)
      .issue(other.id, 'reset_password', { ttlMs: 60_000, email: other.email });
    const requestId = nextId();
    await post('/api/v1/auth/password/reset', requestId, { token, password: 'brand-new-password' }).expect(204);
    const lines = auditOf(requestId);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, event: 'auth.password.reset', userId: other.id, ip: '198.51.100.7' }),
      expect.objectContaining({ event: 'auth.sessions.revoked', reason: 'password_reset', count: 1 }),
    ]);
    expectNoSecrets([...auditOf(asked), ...lines], user.email, other.email, token, 'brand-new-password');
  });

  it('logs a refused password change with a wrong current password', async () => {
    const user = await registerAndLogin(t.server);
    const requestId = nextId();
    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .set('X-Request-Id', requestId)
      .send({ password: 'brand-new-password', currentPassword: 'not-my-password' })
      .expect(400);

    expect(auditOf(requestId)).toEqual([
      expect.objectContaining({
        event: 'auth.password.change_failed',
        userId: user.id,
        reason: 'bad_current_password',
      }),
    ]);
    expectNoSecrets(auditOf(requestId), 'brand-new-password', 'not-my-password');
  });

  it('logs a refused and then a done deletion of your own account, with ids only', async () => {
    const user = await registerAndLogin(t.server);
    const deleteMe = (requestId: string, currentPassword: string) =>
      request(t.server)
        .delete('/api/v1/users/me')
        .set('Authorization', user.bearer)
        .set('X-Request-Id', requestId)
        .send({ currentPassword });
    const refused = nextId();
    await deleteMe(refused, 'not-my-password').expect(400);
    const deleted = nextId();
    await deleteMe(deleted, user.password).expect(204);

    expect(auditOf(refused)).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'auth.account.delete_failed',
        userId: user.id,
        reason: 'bad_current_password',
      }),
    ]);
    expect(auditOf(deleted)).toEqual([
      expect.objectContaining({ event: 'auth.sessions.revoked', userId: user.id, reason: 'deletion', count: 1 }),
      expect.objectContaining({ level: 30, event: 'auth.account.deleted', userId: user.id, actorId: user.id }),
    ]);
    expectNoSecrets([...auditOf(refused), ...auditOf(deleted)], user.email, user.password, 'not-my-password');
  });

  it('logs an email change request by the caller, with neither the old nor the new address', async () => {
    const user = await registerAndLogin(t.server);
    const newEmail = uniqueEmail('audit-moved');
    const requestId = nextId();
    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .set('X-Request-Id', requestId)
      .send({ email: newEmail, currentPassword: user.password })
      .expect(200);

    expect(auditOf(requestId)).toEqual([
      expect.objectContaining({
        level: 30,
        event: 'auth.email.change_requested',
        userId: user.id,
        actorId: user.id,
        sessionId: expect.any(String),
      }),
    ]);
    expectNoSecrets(auditOf(requestId), user.email, newEmail, user.password);
  });

  it('logs a refused email change with a wrong current password as a warning', async () => {
    const user = await registerAndLogin(t.server);
    const requestId = nextId();
    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .set('X-Request-Id', requestId)
      .send({ email: uniqueEmail('audit-refused'), currentPassword: 'not-my-password' })
      .expect(400);

    expect(auditOf(requestId)).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'auth.email.change_failed',
        userId: user.id,
        reason: 'bad_current_password',
      }),
    ]);
  });

  it('logs a logout and the revocation it causes', async () => {
    const user = await registerAndLogin(t.server);
    const requestId = nextId();
    await request(t.server)
      .post('/api/v1/auth/logout')
      .set('Authorization', user.bearer)
      .set('X-Request-Id', requestId)
      .send({ refreshToken: user.tokens.refreshToken })
      .expect(204);

    expect(auditOf(requestId)).toEqual([
      expect.objectContaining({ event: 'auth.logout', userId: user.id, actorId: user.id }),
      expect.objectContaining({ event: 'auth.sessions.revoked', userId: user.id, reason: 'logout', count: 1 }),
    ]);
  });

  describe('by an admin', () => {
    let admin: SignedIn;
    beforeAll(async () => {
      admin = await loginAdmin(t.server);
    });
    const asAdmin = (method: 'patch' | 'delete', id: string, requestId: string) =>
      request(t.server)
        [method](`/api/v1/users/${id}`)
        .set('Authorization', admin.bearer)
        .set('X-Request-Id', requestId);

    it('logs a role change and a deactivation with the admin as the actor', async () => {
      const user = await registerAndLogin(t.server);
      const promoted = nextId();
      await asAdmin('patch', user.id, promoted).send({ role: 'admin' }).expect(200);
      const deactivated = nextId();
      await asAdmin('patch', user.id, deactivated).send({ isActive: false }).expect(200);

      expect(auditOf(promoted)).toEqual([
        expect.objectContaining({ event: 'admin.user.updated', userId: user.id, actorId: admin.id, role: 'admin' }),
      ]);
      expect(auditOf(deactivated)).toEqual([
        expect.objectContaining({ event: 'admin.user.updated', userId: user.id, actorId: admin.id, isActive: false }),
        expect.objectContaining({ event: 'auth.sessions.revoked', userId: user.id, reason: 'deactivation', count: 1 }),
      ]);
    });

    it('logs a creation with the new user, its role and the admin as the actor', async () => {
      const requestId = nextId();
      const email = uniqueEmail('audit-created');
      const res = await request(t.server)
        .post('/api/v1/users')
        .set('Authorization', admin.bearer)
        .set('X-Request-Id', requestId)
        .send({ email, name: 'Created', role: 'admin', password: 'handed-over-password' })
        .expect(201);

      expect(auditOf(requestId)).toEqual([
        expect.objectContaining({ event: 'admin.user.created', userId: res.body.id, role: 'admin', actorId: admin.id }),
      ]);
      expectNoSecrets(auditOf(requestId), email, 'handed-over-password');
    });

    it('logs an invitation, not a creation, with the new user, its role and the admin as the actor', async () => {
      const requestId = nextId();
      const email = uniqueEmail('audit-invited');
      const res = await request(t.server)
        .post('/api/v1/users')
        .set('Authorization', admin.bearer)
        .set('X-Request-Id', requestId)
        .send({ email, name: 'Invited' })
        .expect(201);

      expect(auditOf(requestId)).toEqual([
        expect.objectContaining({ event: 'admin.user.invited', userId: res.body.id, role: 'user', actorId: admin.id }),
      ]);
      expectNoSecrets(auditOf(requestId), email);
    });

    it('logs a deletion with the admin as the actor', async () => {
      const user = await registerAndLogin(t.server);
      const requestId = nextId();
      await asAdmin('delete', user.id, requestId).expect(204);

      expect(auditOf(requestId)).toEqual([
        expect.objectContaining({ event: 'auth.sessions.revoked', userId: user.id, reason: 'deletion', count: 1 }),
        expect.objectContaining({ event: 'admin.user.deleted', userId: user.id, actorId: admin.id }),
      ]);
    });
  });
});
