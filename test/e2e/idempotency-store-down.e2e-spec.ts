import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { authEnv, uniqueEmail } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';
import { freePort } from '@tools/free-port';

/**
 * A client that sends Idempotency-Key asks for a guarantee the service can only give with
 * its store of answers. With Redis unreachable, such a request is refused before it runs,
 * rather than run without the guarantee; without a key the route works as it does anyway.
 */
// A file of its own: one app per process verifies access tokens (passport's strategies are process-wide).
describe('Idempotency-Key when the store of answers (Redis) is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }) });
  });
  afterAll(() => t?.close());

  it('answers 503 idempotency_unavailable with Retry-After and does nothing, so the write can be retried', async () => {
    const body = { email: uniqueEmail('unstored'), password: 'a-good-password', name: 'Unstored' };

    const res = await request(t.server)
      .post('/api/v1/auth/register')
      .set('Idempotency-Key', randomUUID())
      .send(body)
      .expect(503);

    expect(res.body).toMatchObject({ status: 503, type: '/problems/idempotency_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // The account was not made: without a key the same registration runs and succeeds.
    await request(t.server).post('/api/v1/auth/register').send(body).expect(201);
  });
});
