import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { ProbeModule } from '@test/support/probe/probe.module';

const PROBLEM_JSON = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const valid = { name: 'n', count: 1, address: { city: 'Oslo' } };

describe('HTTP conventions shared by every route', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule], env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(() => t.close());

  it('serves API routes under /api/v1 and operational routes without the prefix', async () => {
    await request(t.server).post('/api/v1/probe').send(valid).expect(201);
    await request(t.server).post('/probe').send(valid).expect(404);
    await request(t.server).get('/health/live').expect(200, { status: 'ok' });
    await request(t.server).get('/api/v1/health/live').expect(404);
  });

  it('answers an unknown route with a 404 problem document', async () => {
    const res = await request(t.server).get('/api/v1/no-such-thing').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toEqual({
      type: '/problems/not_found',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /api/v1/no-such-thing.',
      instance: '/api/v1/no-such-thing',
      requestId: res.headers['x-request-id'],
    });
  });

  it.each(['/probe', '/no-such-thing', '/API/V2/users', '/favicon.ico'])(
    'answers the unknown path %s outside /api/v1 with the same 404 problem document',
    async (path) => {
      const res = await request(t.server).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: '/problems/not_found', status: 404, instance: path });
    },
  );

  it('lists each invalid field, including nested ones, in a 400 problem', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .send({ name: 7, count: -1, address: { city: 3 } })
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.type).toBe('/problems/validation_failed');
    const fields = [...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort();
    expect(fields).toEqual(['address.city', 'count', 'name']);
  });

  it('rejects unknown body fields instead of dropping them', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .send({ ...valid, isAdmin: true })
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'isAdmin', message: 'property isAdmin should not exist' }]);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .set('Content-Type', 'application/json')
      .send('{"name": "x",')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: '/problems/malformed_json',
      detail: 'The request body is not valid JSON.',
    });
  });

  it('answers a body over 100 kB with 413', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .send({ ...valid, name: 'x'.repeat(101 * 1024) })
      .expect(413);
    expect(res.body.type).toBe('/problems/payload_too_large');
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('name=x&count=1')
      .expect(415);
    expect(res.body.type).toBe('/problems/unsupported_media_type');
  });

  it('hides internal errors behind a bare 500 that carries the request id', async () => {
    const res = await request(t.server).get('/api/v1/probe/boom').set('X-Request-Id', 'trace-me-42').expect(500);
    expect(res.body).toEqual({
      type: '/problems/internal_error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The request failed. Quote the request id when reporting it.',
      instance: '/api/v1/probe/boom',
      requestId: 'trace-me-42',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|secret|stack/i);
  });

  it('echoes a sane X-Request-Id and replaces an insane one', async () => {
    const kept = await request(t.server).get('/health/live').set('X-Request-Id', 'abc-123.DEF_456');
    expect(kept.headers['x-request-id']).toBe('abc-123.DEF_456');
    for (const insane of ['x'.repeat(129), 'has space', 'semi;colon', '<script>']) {
      const res = await request(t.server).get('/health/live').set('X-Request-Id', insane);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    const generated = await request(t.server).get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(UUID);
  });

  it('sends helmet security headers and no X-Powered-By', async () => {
    const res = await request(t.server).get('/health/live');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('allows cross-origin calls only from the CORS allow-list', async () => {
    const allowed = await request(t.server)
      .options('/api/v1/probe')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const denied = await request(t.server)
      .options('/api/v1/probe')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'POST');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  // Fastify's CORS plugin allows only GET, HEAD and POST unless told otherwise.
  it.each(['PATCH', 'DELETE', 'PUT'])('lets an allowed origin send %s across origins', async (method) => {
    const res = await request(t.server)
      .options('/api/v1/users/me')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', method)
      .expect(204);
    expect(res.headers['access-control-allow-methods']?.split(/,\s*/)).toContain(method);
  });

  it('serves Swagger UI at /docs and an OpenAPI 3 document at /docs-json with bearer auth', async () => {
    const ui = await request(t.server).get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await request(t.server).get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.components.schemas.Problem).toBeDefined();
  });
});
