import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';

const COMMITTED = resolve(__dirname, '..', '..', 'openapi.json');

/**
 * openapi.json is what client generators read: it must be the document the server serves.
 * `npm run openapi` rewrites it from a preview application; this fails when a route or a
 * decorator changed and the file was not rewritten, or when the preview misses something.
 */
describe('openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is the document the running service serves at /docs-json (run `npm run openapi` if not)', async () => {
    const served = (await request(t.server).get('/docs-json').expect(200)).body as unknown;
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(served);
  });
});
