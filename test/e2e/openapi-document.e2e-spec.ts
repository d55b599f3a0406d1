import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { PROBLEM_CODES, problemType } from '@/common/http/problem-types';
import { OPENAPI_FILE, PROBLEM_PAGES_DIR, problemPageFiles } from '../../scripts/openapi';
import { createTestApp, TestApp } from '@test/support/test-app';

type Operation = { operationId?: string; security?: unknown[]; tags?: string[] };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  tags: Array<{ name: string }>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
};

/**
 * openapi.json and docs/problems/ are what client generators and readers use: they must be
 * what the server serves. `npm run openapi` rewrites them from a preview application; this
 * fails when a route, a decorator or the registry changed and they were not rewritten.
 */
describe('openapi.json and the problem pages', () => {
  let t: TestApp;
  let served: Document;
  beforeAll(async () => {
    t = await createTestApp();
    served = (await request(t.server).get('/docs-json').expect(200)).body as Document;
  });
  afterAll(() => t.close());

  it('is the document the running service serves at /docs-json (run `npm run openapi` if not)', () => {
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(served);
  });

  it('names every operation `<tag>.<action>`, once, in a tag the document declares', () => {
    const operations = Object.values(served.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = served.tags.map((tag) => tag.name);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-z]+\.[a-z][A-Za-z]+$/);
      expect(operation.tags).toEqual([operation.operationId!.split('.')[0]]);
      expect(tags).toContain(operation.tags![0]);
      expect(operation.security).toBeDefined();
    }
  });

  it('enumerates exactly the registry as the problem types', () => {
    expect(served.components.schemas.Problem.properties!.type.enum).toEqual(PROBLEM_CODES.map(problemType));
  });

  it('has a committed page for each problem type, and nothing else, as `npm run openapi` writes them', () => {
    const expected = problemPageFiles();
    expect(readdirSync(PROBLEM_PAGES_DIR).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, page] of Object.entries(expected)) {
      expect(readFileSync(join(PROBLEM_PAGES_DIR, name), 'utf8')).toBe(page);
    }
  });

  it('serves the page each problem type resolves to, relative to the service', async () => {
    const registry = await request(t.server).get('/problems').expect(200);
    expect(registry.headers['content-type']).toBe('text/markdown; charset=utf-8');
    for (const code of PROBLEM_CODES) {
      // A `type` is a reference relative to the service: resolved against any URL of it.
      const page = new URL(problemType(code), 'http://service.example/api/v1/users/me').pathname;
      expect(registry.text).toContain(`(${page})`);
      const res = await request(t.server).get(page).expect(200);
      expect(res.text).toContain(`# Problem type \`${code}\``);
      expect(res.text).toBe(
        readFileSync(resolve(PROBLEM_PAGES_DIR, `${code}.md`), 'utf8').replace('](README.md)', '](/problems)'),
      );
    }
  });

  it('answers an unknown problem type with the not_found problem', async () => {
    const res = await request(t.server).get('/problems/no_such_type').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe(problemType('not_found'));
  });
});
