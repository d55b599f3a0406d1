import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import request from 'supertest';
import { metricSample as sample } from '@test/support/metrics-text';
import { ProbeModule } from '@test/support/probe/probe.module';
import { createTestApp, TestApp } from '@test/support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
const call = (server: Server, method: string, path: string) => request(server)[method.toLowerCase() as Method](path);

describe('A known path asked with a method it does not take', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => t.close());

  it.each([
    ['PUT', '/api/v1/auth/login', 'POST'],
    ['GET', '/api/v1/auth/register', 'POST'],
    ['DELETE', '/api/v1/auth/refresh', 'POST'],
    ['PUT', '/api/v1/users/me', 'GET, HEAD, PATCH, DELETE'],
    ['POST', '/api/v1/users/me', 'GET, HEAD, PATCH, DELETE'],
    ['PATCH', '/api/v1/users', 'GET, HEAD, POST'],
    ['POST', '/api/v1/auth/sessions', 'GET, HEAD, DELETE'],
    ['POST', '/health', 'GET, HEAD'],
    ['POST', '/health/live', 'GET, HEAD'],
    ['DELETE', '/health/ready', 'GET, HEAD'],
    ['POST', '/metrics', 'GET, HEAD'],
    ['POST', '/docs-json', 'GET, HEAD'],
    ['OPTIONS', '/api/v1/auth/login', 'POST'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const res = await call(t.server, method, path).expect(405);
    expect(res.headers.allow).toBe(allow);
  });

  it('covers the routes of any module the application imports, with no list to keep', async () => {
    const probe = await request(t.server).put('/api/v1/probe').expect(405);
    expect(probe.headers.allow).toBe('POST');
    const boom = await request(t.server).delete('/api/v1/probe/boom').expect(405);
    expect(boom.headers.allow).toBe('GET, HEAD');
  });

  it('matches path parameters: any id takes the methods of its template', async () => {
    const id = randomUUID();
    const user = await request(t.server).put(`/api/v1/users/${id}`).expect(405);
    expect(user.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    const session = await request(t.server).post(`/api/v1/auth/sessions/not-even-a-uuid`).expect(405);
    expect(session.headers.allow).toBe('DELETE');
  });

  it.each([
    ['PUT', '/API/V1/Auth/Login', 'POST'],
    ['PUT', '/api/v1/auth/login/', 'POST'],
    ['PUT', '/Api/V1/Users/Me/', 'GET, HEAD, PATCH, DELETE'],
    ['POST', '/HEALTH/live/', 'GET, HEAD'],
    ['POST', '/Metrics', 'GET, HEAD'],
  ])('matches %s %s as express routes it: in any case, with a trailing slash', async (method, path, allow) => {
    const res = await call(t.server, method, path).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body.instance).toBe(path);
  });

  it('answers with the same problem document as every other error, with X-Request-Id and Allow', async () => {
    const res = await request(t.server)
      .put('/api/v1/auth/login?next=home')
      .set('X-Request-Id', 'wrong-method-1')
      .send({ email: 'a@example.com', password: 'whatever-it-is' })
      .expect(405);

    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.headers['x-request-id']).toBe('wrong-method-1');
    expect(res.headers.allow).toBe('POST');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toEqual({
      type: '/problems/method_not_allowed',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'PUT is not supported on /api/v1/auth/login; use POST.',
      instance: '/api/v1/auth/login?next=home',
      requestId: 'wrong-method-1',
    });
  });

  it('names every method the path takes in the detail', async () => {
    const res = await request(t.server).put('/api/v1/users/me').expect(405);
    expect(res.body.detail).toBe('PUT is not supported on /api/v1/users/me; use GET, HEAD, PATCH or DELETE.');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('refuses a wrong method before any guard runs', async () => {
    await request(t.server).get('/api/v1/users/me').expect(401);
    await request(t.server).put('/api/v1/users/me').set('Authorization', 'Bearer not-a-token').expect(405);
  });

  it('still answers HEAD on a GET route', async () => {
    const live = await request(t.server).head('/health/live').expect(200);
    expect(live.headers.allow).toBeUndefined();
    await request(t.server).head('/metrics').expect(200);
    await request(t.server).head('/api/v1/users/me').expect(401);
    await request(t.server).head('/HEALTH/LIVE/').expect(200);
  });

  it('answers HEAD on a path without GET with 405, like any other wrong method', async () => {
    const res = await request(t.server).head('/api/v1/auth/login').expect(405);
    expect(res.headers.allow).toBe('POST');
  });

  it.each([
    ['PUT', '/api/v1/auth/nowhere'],
    ['GET', '/api/v1/users/me/extra'],
    ['POST', '/api/v1/users/42/sessions'],
    ['DELETE', '/health/nope'],
    ['POST', '/metrics/more'],
    ['POST', '/nowhere'],
    ['OPTIONS', '/api/v1/nowhere'],
  ])('keeps answering the unknown path %s %s with the 404 problem', async (method, path) => {
    const res = await call(t.server, method, path).expect(404);
    expect(res.headers.allow).toBeUndefined();
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toEqual({
      type: '/problems/not_found',
      title: 'Not Found',
      status: 404,
      detail: `No route matches ${method} ${path}.`,
      instance: path,
      requestId: res.headers['x-request-id'],
    });
  });

  it('counts a 405 under route="unmatched", never under the raw path', async () => {
    const id = randomUUID();
    const series = { method: 'PUT', route: 'unmatched', status_code: '405' };
    const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;
    const before = await scrape();
    await request(t.server).put(`/api/v1/users/${id}`).expect(405);
    await request(t.server).put('/api/v1/auth/login').expect(405);
    const after = await scrape();

    expect(sample(after, 'http_requests_total', series) - sample(before, 'http_requests_total', series)).toBe(2);
    expect(after).not.toContain(id);
    const puts = after.match(/^http_requests_total\{method="PUT",[^}]*status_code="405"\}/gm) ?? [];
    expect(puts).toEqual(['http_requests_total{method="PUT",route="unmatched",status_code="405"}']);
  });
});

describe('405 with CORS on and the docs off', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example.com', DOCS_ENABLED: 'false' } });
  });
  afterAll(() => t.close());

  it('lists OPTIONS in Allow, as the CORS middleware answers it on every path', async () => {
    for (const [path, allow] of [
      ['/api/v1/auth/login', 'POST, OPTIONS'],
      ['/api/v1/users/me', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
      ['/health/live', 'GET, HEAD, OPTIONS'],
    ]) {
      const res = await request(t.server).put(path).expect(405);
      expect(res.headers.allow).toBe(allow);
      await request(t.server).options(path).expect(204);
    }
  });

  it('answers the docs paths 404 when the docs are not served', async () => {
    await request(t.server).post('/docs-json').expect(404);
    await request(t.server).get('/docs-json').expect(404);
    await request(t.server).post('/docs').expect(404);
  });
});

describe('405 on a worker (APP_ROLE=worker)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { APP_ROLE: 'worker' } });
  });
  afterAll(() => t.close());

  it('answers a wrong method on the probes and the scrape with 405', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      const res = await request(t.server).post(path).expect(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.body.type).toBe('/problems/method_not_allowed');
    }
  });

  it('keeps answering API and docs paths with 404, whatever the method', async () => {
    for (const [method, path] of [
      ['PUT', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/login'],
      ['PUT', '/api/v1/users/me'],
      ['POST', '/docs-json'],
    ]) {
      const res = await call(t.server, method, path).expect(404);
      expect(res.headers.allow).toBeUndefined();
      expect(res.body).toMatchObject({ type: '/problems/not_found', status: 404, instance: path });
    }
  });
});
