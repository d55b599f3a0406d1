import request from 'supertest';
import { authEnv, login, loginAdmin, registerAndLogin, uniqueEmail } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';
import { freePort } from '@tools/free-port';

/**
 * The requests that ask for an account mail while the job store (Redis here) refuses it:
 * they fail with 503 and leave nothing behind, unlike registration, whose welcome mail
 * is lost and logged (mail-jobs-store-down.e2e-spec.ts).
 */
// A file of its own: one app per process verifies access tokens (passport's strategies are process-wide).
describe('Account mails when the job store is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }) });
  });
  afterAll(() => t?.close());

  const enqueueFailures = async () =>
    metricSample((await request(t.server).get('/metrics').expect(200)).text, 'app_jobs_enqueue_failures_total', {
      queue: 'mail',
    });

  it('answers an email change 503 mail_unavailable with Retry-After, and applies nothing of the body', async () => {
    const user = await registerAndLogin(t.server);
    const before = await enqueueFailures();

    const res = await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .send({
        name: 'Renamed',
        email: uniqueEmail('unsent'),
        password: 'a-brand-new-passphrase',
        currentPassword: user.password,
      })
      .expect(503);
    expect(res.body).toMatchObject({ status: 503, type: '/problems/mail_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);

    const me = await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    expect(me.body).toMatchObject({ email: user.email, name: 'Test User' });
    await login(t.server, user.email, user.password);
    // The notice was refused, so the confirmation was never asked for.
    expect(await enqueueFailures()).toBe(before + 1);
  });

  it('answers an invitation 503 mail_unavailable and creates no account, so the same request can be retried', async () => {
    const admin = await loginAdmin(t.server);
    const email = uniqueEmail('uninvited');

    const res = await request(t.server)
      .post('/api/v1/users')
      .set('Authorization', admin.bearer)
      .send({ email, name: 'Uninvited' })
      .expect(503);
    expect(res.body).toMatchObject({ status: 503, type: '/problems/mail_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);

    const found = await request(t.server)
      .get('/api/v1/users')
      .query({ search: email })
      .set('Authorization', admin.bearer)
      .expect(200);
    expect(found.body.meta.total).toBe(0);
    // The address is free: nothing half-made blocks it.
    await request(t.server)
      .post('/api/v1/users')
      .set('Authorization', admin.bearer)
      .send({ email, name: 'Uninvited', password: 'handed-over-password' })
      .expect(201);
  });
});
