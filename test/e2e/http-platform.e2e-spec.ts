import request from 'supertest';
import { ADMIN, authEnv, loginAdmin } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

const PROBLEM_JSON = /^application\/problem\+json; charset=utf-8$/;

/**
 * What could differ between the two HTTP platforms and must not. The whole e2e suite runs on
 * each (HTTP_ADAPTER in CI); these are the cases where fastify's defaults differ from
 * express's, which its adapter sets to express's behaviour.
 */
describe('the HTTP platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...authEnv(), TRUST_PROXY: '1' } });
  });
  afterAll(() => t.close());

  it('is the one HTTP_ADAPTER names, so a run of this suite on fastify is one', () => {
    expect(t.app.getHttpAdapter().getType()).toBe(process.env.HTTP_ADAPTER ?? 'express');
  });

  it.each(['/HEALTH/Live', '/health/live/', '/Health/LIVE/'])(
    'routes %s as /health/live: case and a trailing slash do not matter',
    async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    },
  );

  it('routes a long route parameter to its route, whose validation refuses it', async () => {
    const admin = await loginAdmin(t.server);
    const res = await request(t.server)
      .get(`/api/v1/users/${'a'.repeat(300)}`)
      .set('Authorization', admin.bearer)
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });

  it('gives every answer the request id, also a refusal before any route', async () => {
    const res = await request(t.server)
      .post('/api/v1/auth/login')
      .set('X-Request-Id', 'platform-check-1')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(res.headers['x-request-id']).toBe('platform-check-1');
    expect(res.body).toMatchObject({ requestId: 'platform-check-1', type: '/problems/unsupported_media_type' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('reads the client address through TRUST_PROXY hops as express does', async () => {
    const tokens = await request(t.server)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.9, 198.51.100.7')
      .send({ email: ADMIN.email, password: ADMIN.password })
      .expect(200);
    const sessions = await request(t.server)
      .get('/api/v1/auth/sessions')
      .set('Authorization', `Bearer ${tokens.body.accessToken}`)
      .expect(200);
    const current = (sessions.body as { current: boolean; ip: string | null }[]).find((s) => s.current);
    // One trusted hop: the address the load balancer saw, not the one the client wrote.
    expect(current?.ip).toBe('198.51.100.7');
  });
});
