import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

/** Every route Swagger mounts: the UI (with and without the slash), its init script and static assets, both documents. */
const DOCS_ROUTES = [
  '/docs',
  '/docs/',
  '/docs/swagger-ui-init.js',
  '/docs/swagger-ui.css',
  '/docs/swagger-ui-bundle.js',
  '/docs-json',
  '/docs-yaml',
];

/** What production needs to boot: random secrets (the test ones read as placeholders there). */
const productionEnv = (extra: Record<string, string | undefined> = {}) => ({
  NODE_ENV: 'production',
  JWT_ACCESS_SECRET: randomBytes(32).toString('hex'),
  JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
  ...extra,
});

async function expectDocsServed(t: TestApp): Promise<void> {
  const ui = await request(t.server).get('/docs').redirects(1).expect(200);
  expect(ui.text).toContain('swagger-ui');
  await request(t.server).get('/docs/swagger-ui-init.js').expect(200);
  const doc = await request(t.server).get('/docs-json').expect(200);
  expect(doc.body.openapi).toMatch(/^3\./);
}

describe('API docs (DOCS_ENABLED)', () => {
  describe('in production with DOCS_ENABLED unset', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: productionEnv({ DOCS_ENABLED: undefined }) });
    });
    afterAll(() => t.close());

    it.each(DOCS_ROUTES)('answers GET %s with the 404 problem of an unknown route', async (path) => {
      const res = await request(t.server).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: '/problems/not_found', status: 404, instance: path });
    });

    it('still serves the API and the probes', async () => {
      await request(t.server).get('/health/live').expect(200);
      await request(t.server).get('/api/v1/users/me').expect(401);
    });
  });

  describe('in production with DOCS_ENABLED=true', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: productionEnv({ DOCS_ENABLED: 'true' }) });
    });
    afterAll(() => t.close());

    it('serves Swagger UI and the OpenAPI document', () => expectDocsServed(t));
  });

  describe('in development with DOCS_ENABLED unset', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { NODE_ENV: 'development', DOCS_ENABLED: undefined } });
    });
    afterAll(() => t.close());

    it('serves Swagger UI and the OpenAPI document', () => expectDocsServed(t));
  });

  describe('in development with DOCS_ENABLED=false', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { NODE_ENV: 'development', DOCS_ENABLED: 'false' } });
    });
    afterAll(() => t.close());

    it('answers /docs and /docs-json with 404', async () => {
      await request(t.server).get('/docs').expect(404);
      await request(t.server).get('/docs-json').expect(404);
    });
  });
});
