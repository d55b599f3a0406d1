import request from 'supertest';
import { authEnv, login, registerAndLogin, uniqueEmail } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';
import { freePort } from '@tools/free-port';

// A file of its own: one app per process verifies access tokens (passport's strategies are process-wide).
describe('Email change when the job store is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }) });
  });
  afterAll(() => t?.close());

  const enqueueFailures = async () =>
    metricSample((await request(t.server).get('/metrics').expect(200)).text, 'app_jobs_enqueue_failures_total', {
      queue: 'mail',
    });

  it('answers 503 mail_unavailable with Retry-After, and applies nothing of the body', async () => {
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
    expect(res.body).toMatchObject({ status: 503, type: 'urn:problem:mail_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);

    const me = await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    expect(me.body).toMatchObject({ email: user.email, name: 'Test User' });
    await login(t.server, user.email, user.password);
    // The notice was refused, so the confirmation was never asked for.
    expect(await enqueueFailures()).toBe(before + 1);
  });
});
