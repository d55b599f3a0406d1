import request from 'supertest';
import { ADMIN, authEnv, loginAdmin } from '@test/factories/auth.factory';
import { captureLogLines } from '@test/support/log-lines';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

const PROBLEM_JSON = /^application\/problem\+json; charset=utf-8$/;

/**
 * What could differ between the two HTTP platforms and must not. The whole e2e suite runs on
 * each (HTTP_ADAPTER in CI); these are the cases where fastify's defaults differ from
 * express's, which its adapter sets to express's behaviour.
 */
describe('the HTTP platform', () => {
  const out = captureLogLines();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...authEnv(), TRUST_PROXY: '1', LOG_LEVEL: 'info' }, logs: out.stream });
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
    // As long as a URL within Node.js's limit on the request head (16 KiB) can make it.
    const res = await request(t.server)
      .get(`/api/v1/users/${'a'.repeat(12_000)}`)
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

  // Fastify's router refuses such a path itself, before any hook, with a body of its own.
  it.each([
    ['/api/v1/%zz/users', 400, 'bad_request', "Failed to decode param '%zz'"],
    ['/api/v1/a%zzb?page=%zz', 400, 'bad_request', "Failed to decode param 'a%zzb'"],
    ['/%zz', 404, 'not_found', 'No route matches GET /%zz.'],
  ])('answers %s, a path that does not decode, as any refusal: %d %s', async (path, status, code, detail) => {
    const requestId = `undecodable-${status}-${code}-${path.length}`;
    const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;
    const series = { method: 'GET', route: 'unmatched', status_code: String(status) };
    const before = metricSample(await scrape(), 'http_requests_total', series);

    const res = await request(t.server).get(path).set('X-Request-Id', requestId).expect(status);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.headers['x-request-id']).toBe(requestId);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toEqual({
      type: `/problems/${code}`,
      title: expect.any(String),
      status,
      detail,
      instance: path,
      requestId,
    });
    const line = await waitFor(() => out.lines.find((l) => l.requestId === requestId && l.msg === 'request completed'));
    expect(line).toMatchObject({ req: { url: path }, res: { statusCode: status }, route: 'unmatched' });
    expect(metricSample(await scrape(), 'http_requests_total', series)).toBe(before + 1);
  });

  it('labels a request refused before its route unmatched, and one its guard refuses with the route', async () => {
    const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;
    const refusedBody = { method: 'POST', route: 'unmatched', status_code: '415' };
    const refusedByGuard = { method: 'GET', route: '/api/v1/users/me', status_code: '401' };
    const before = await scrape();

    await request(t.server).post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('x').expect(415);
    await request(t.server).get('/api/v1/users/me').expect(401);

    const after = await scrape();
    expect(metricSample(after, 'http_requests_total', refusedBody)).toBe(
      metricSample(before, 'http_requests_total', refusedBody) + 1,
    );
    expect(metricSample(after, 'http_requests_total', refusedByGuard)).toBe(
      metricSample(before, 'http_requests_total', refusedByGuard) + 1,
    );
  });
});

describe('the HTTP platform with an allowed origin', () => {
  const origin = 'https://app.example.com';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...authEnv(), CORS_ORIGINS: origin } });
  });
  afterAll(() => t.close());

  it('answers a preflight through the same middleware as any request', async () => {
    const res = await request(t.server)
      .options('/api/v1/users/me')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('X-Request-Id', 'preflight-1')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
    expect(res.headers['x-request-id']).toBe('preflight-1');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a preflight to a path no route has, as any request there', async () => {
    const res = await request(t.server)
      .options('/nowhere')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'GET')
      .expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  });
});
