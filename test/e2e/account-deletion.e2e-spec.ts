import type { Server } from 'node:http';
import request from 'supertest';
import { DataSource, In } from 'typeorm';
import { MailDelivery } from '@/infra/mail/entities/mail-delivery.entity';
import { RefreshToken } from '@/modules/users/sessions/entities/refresh-token.entity';
import { Session } from '@/modules/users/sessions/entities/session.entity';
import { User } from '@/modules/users/entities/user.entity';
import { waitFor } from '@tools/wait-for';
import { authEnv, login, loginAdmin, registerAndLogin, SignedIn } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

/** A client address of its own per call site, so the per-client failure counters of one test never reach another. */
let lastOctet = 0;
const nextClient = () => `198.51.100.${(lastOctet += 1)}`;

const deleteMe = (server: Server, user: SignedIn, body: object, ip = nextClient()) =>
  request(server).delete('/api/v1/users/me').set('Authorization', user.bearer).set('X-Forwarded-For', ip).send(body);

describe('Deleting your own account: DELETE /api/v1/users/me', () => {
  let t: TestApp;
  let admin: SignedIn;
  let db: DataSource;

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', JOBS_POLL_INTERVAL: '20ms' }),
    });
    admin = await loginAdmin(t.server);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const me = (bearer: string) => request(t.server).get('/api/v1/users/me').set('Authorization', bearer);
  const refresh = (refreshToken: string) => request(t.server).post('/api/v1/auth/refresh').send({ refreshToken });

  it('refuses a wrong currentPassword with 400 on that field, and the account keeps working', async () => {
    const user = await registerAndLogin(t.server);
    const res = await deleteMe(t.server, user, { currentPassword: 'not-my-password' }).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: '/problems/validation_failed' });
    expect(res.body.errors).toEqual([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);

    await me(user.bearer).expect(200);
    await refresh(user.tokens.refreshToken).expect(200);
    await login(t.server, user.email, user.password);
  });

  it.each([
    ['no body', undefined],
    ['no currentPassword', {}],
    ['a currentPassword that is not a string', { currentPassword: 42 }],
  ])('refuses %s with 400 on currentPassword', async (_case, body) => {
    const user = await registerAndLogin(t.server);
    const call = request(t.server).delete('/api/v1/users/me').set('Authorization', user.bearer);
    const res = await (body === undefined ? call : call.send(body)).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('currentPassword');
    await me(user.bearer).expect(200);
  });

  it('refuses an unknown field with 400 and deletes nothing', async () => {
    const user = await registerAndLogin(t.server);
    await deleteMe(t.server, user, { currentPassword: user.password, userId: admin.id }).expect(400);
    await me(user.bearer).expect(200);
    await me(admin.bearer).expect(200);
  });

  it('answers 401 without a token', async () => {
    await request(t.server).delete('/api/v1/users/me').send({ currentPassword: 'whatever-it-is' }).expect(401);
  });

  it('answers 204 with the right currentPassword: every token of the account dies and the account is gone', async () => {
    const user = await registerAndLogin(t.server);
    const other = await login(t.server, user.email, user.password);
    // The welcome mail went out (to the log transport) and left a delivery record.
    const delivery = () => db.getRepository(MailDelivery).existsBy({ idempotencyKey: `welcome-${user.id}` });
    await waitFor(delivery, { what: 'the welcome mail delivery record' });
    const sessionIds = (await db.getRepository(Session).findBy({ userId: user.id })).map((s) => s.id);
    expect(sessionIds).toHaveLength(2);

    const res = await deleteMe(t.server, user, { currentPassword: user.password }).expect(204);
    expect(res.text).toBe('');

    await me(user.bearer).expect(401);
    await me(`Bearer ${other.accessToken}`).expect(401);
    await refresh(user.tokens.refreshToken).expect(401);
    await refresh(other.refreshToken).expect(401);
    await request(t.server).get(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(404);
    await request(t.server).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);

    expect(await db.getRepository(User).existsBy({ id: user.id })).toBe(false);
    expect(await db.getRepository(Session).countBy({ userId: user.id })).toBe(0);
    expect(await db.getRepository(RefreshToken).countBy({ sessionId: In(sessionIds) })).toBe(0);
    expect(await delivery()).toBe(false);
  });

  it('lets the email register again, in any spelling, as a new account', async () => {
    const user = await registerAndLogin(t.server);
    await deleteMe(t.server, user, { currentPassword: user.password }).expect(204);

    const again = await request(t.server)
      .post('/api/v1/auth/register')
      .send({ email: user.email.toUpperCase(), password: 'another-good-password', name: 'Again' })
      .expect(201);
    expect(again.body).toMatchObject({ email: user.email, name: 'Again', role: 'user' });
    expect(again.body.id).not.toBe(user.id);
    const tokens = await login(t.server, user.email, 'another-good-password');
    await me(`Bearer ${tokens.accessToken}`).expect(200);
  });

  it('refuses the last active admin with 409 last_admin, and its tokens keep working', async () => {
    const res = await deleteMe(t.server, admin, { currentPassword: admin.password }).expect(409);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ type: '/problems/last_admin', status: 409 });

    await me(admin.bearer).expect(200);
    await refresh(admin.tokens.refreshToken).expect(200);
  });

  it('lets an admin delete itself while another active admin remains', async () => {
    const second = await registerAndLogin(t.server);
    await request(t.server)
      .patch(`/api/v1/users/${second.id}`)
      .set('Authorization', admin.bearer)
      .send({ role: 'admin' })
      .expect(200);
    await deleteMe(t.server, second, { currentPassword: second.password }).expect(204);
    await me(second.bearer).expect(401);
    await me(admin.bearer).expect(200);
  });

  it('refuses even the right password with 429 after repeated wrong ones, and the account stays', async () => {
    const user = await registerAndLogin(t.server);
    const ip = nextClient();
    for (let i = 0; i < 3; i += 1) {
      await deleteMe(t.server, user, { currentPassword: `wrong-guess-${i}` }, ip).expect(400);
    }
    const blocked = await deleteMe(t.server, user, { currentPassword: user.password }, ip).expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toMatchObject({ status: 429, type: '/problems/too_many_login_failures' });
    // The same counters as a login of that account from that client.
    await request(t.server)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email: user.email, password: user.password })
      .expect(429);

    await me(user.bearer).expect(200);
    await deleteMe(t.server, user, { currentPassword: user.password }).expect(204);
  });
});
