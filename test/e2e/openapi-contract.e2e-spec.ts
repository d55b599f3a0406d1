import { loadOpenApiContract, OpenApiContract, RecordedExchange } from '@test/support/openapi-contract';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const rateLimit = { 'X-RateLimit-Limit': { required: true, schema: { type: 'integer', example: 100 } } };

/** A small document in the shape @nestjs/swagger writes, with the cases the checker must handle. */
const DOCUMENT = {
  openapi: '3.0.0',
  info: { title: 'contract test', version: '1' },
  paths: {
    '/api/v1/items/{id}': {
      get: {
        responses: {
          200: {
            description: '',
            headers: { ...rateLimit, 'Retry-After': { schema: { type: 'integer' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
          404: { description: '', content: problem, 'x-problem-types': ['/problems/not_found'] },
          '5XX': { description: '', content: problem },
        },
      },
      delete: { responses: { 204: { description: '' }, 409: { description: 'in use' } } },
    },
    '/api/v1/items/mine': {
      get: {
        responses: {
          200: {
            description: '',
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
            },
          },
        },
      },
    },
    '/api/v1/items': {
      get: {
        responses: {
          200: { description: '', content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } } },
        },
      },
    },
    '/metrics': { get: { responses: { 200: { description: '', content: { 'text/plain': {} } } } } },
  },
  components: {
    schemas: {
      Item: {
        type: 'object',
        'x-internal': true,
        properties: {
          id: { type: 'integer', example: 7 },
          name: { type: 'string' },
          note: { type: 'string', nullable: true },
          createdAt: { type: 'string', format: 'date-time' },
        },
        required: ['id', 'name'],
      },
      PageMeta: { type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] },
      // @nestjs/swagger writes a described $ref property as an allOf of one member.
      Page: {
        allOf: [
          {
            type: 'object',
            properties: { meta: { description: 'paging', allOf: [{ $ref: '#/components/schemas/PageMeta' }] } },
          },
          {
            properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
            required: ['items'],
          },
        ],
      },
      Problem: {
        type: 'object',
        properties: { type: { type: 'string' }, status: { type: 'number' }, title: { type: 'string' } },
        required: ['status', 'title'],
      },
    },
  },
};

const item = { id: 7, name: 'seven', note: null, createdAt: '2026-01-02T03:04:05.000Z' };

function exchange(overrides: Partial<RecordedExchange> = {}): RecordedExchange {
  return {
    method: 'GET',
    path: '/api/v1/items/7',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-limit': '100' },
    body: JSON.stringify(item),
    ...overrides,
  };
}

describe('OpenApiContract', () => {
  const document = structuredClone(DOCUMENT);
  const sut = new OpenApiContract(document);

  it('accepts an answer that is what the document describes', () => {
    expect(sut.check(exchange())).toEqual([]);
    expect(sut.check(exchange({ path: '/API/v1/Items/7/' }))).toEqual([]);
    expect(sut.check(exchange({ method: 'DELETE', status: 204, headers: {}, body: '' }))).toEqual([]);
    const page = { meta: { total: 1 }, items: [item] };
    expect(sut.check(exchange({ path: '/api/v1/items', body: JSON.stringify(page) }))).toEqual([]);
  });

  it('reports a status the operation does not document, and takes 5XX as documenting 503', () => {
    expect(sut.check(exchange({ status: 401 }))).toEqual(['status: 401 is not documented (documented: 200, 404, 5XX)']);
    const unavailable = { 'content-type': 'application/problem+json', 'retry-after': '5' };
    const body = JSON.stringify({ status: 503, title: 'Service Unavailable' });
    expect(sut.check(exchange({ status: 503, headers: unavailable, body }))).toEqual([]);
  });

  it('reports a Content-Type the status does not document, matching problem+json exactly', () => {
    const body = JSON.stringify({ status: 404, title: 'Not Found' });
    expect(sut.check(exchange({ status: 404, headers: { 'content-type': 'application/json' }, body }))).toEqual([
      'content-type: application/json is not documented (documented: application/problem+json)',
    ]);
    expect(sut.check(exchange({ headers: { 'x-ratelimit-limit': '1' } }))).toEqual([
      'content-type: missing (documented: application/json)',
    ]);
  });

  it('reports a problem type the response does not list for the operation and status', () => {
    const headers = { 'content-type': 'application/problem+json' };
    const answer = (type: string) => JSON.stringify({ type, status: 404, title: 'Not Found' });
    expect(sut.check(exchange({ status: 404, headers, body: answer('/problems/not_found') }))).toEqual([]);
    expect(sut.check(exchange({ status: 404, headers, body: answer('/problems/email_taken') }))).toEqual([
      'problem type: /problems/email_taken is not listed (listed: /problems/not_found)',
    ]);
  });

  it('reports a field of the wrong type, and a missing required one', () => {
    const body = JSON.stringify({ ...item, id: '7', name: undefined });
    expect(sut.check(exchange({ body }))).toEqual([
      "body must have required property 'name'",
      'body /id must be integer',
    ]);
  });

  it('reports a field the schema does not list, at any depth and across allOf members', () => {
    expect(sut.check(exchange({ body: JSON.stringify({ ...item, passwordHash: '$argon2id$…' }) }))).toEqual([
      'body has an undocumented field "passwordHash"',
    ]);
    const page = { meta: { total: 1, cursor: 'x' }, items: [{ ...item, secret: 1 }], debug: true };
    expect(sut.check(exchange({ path: '/api/v1/items', body: JSON.stringify(page) }))).toEqual([
      'body /meta has an undocumented field "cursor"',
      'body /items/0 has an undocumented field "secret"',
      'body has an undocumented field "debug"',
    ]);
  });

  it('reports a required header that is missing, and a header value its schema refuses', () => {
    expect(sut.check(exchange({ headers: { 'content-type': 'application/json' } }))).toEqual([
      'header: X-RateLimit-Limit is required but missing',
    ]);
    const headers = { 'content-type': 'application/json', 'x-ratelimit-limit': 'many', 'retry-after': '1.5' };
    expect(sut.check(exchange({ headers }))).toEqual([
      'header X-RateLimit-Limit ("many") must be integer',
      'header Retry-After ("1.5") must be integer',
    ]);
  });

  it('reports a body on a 204 and on a HEAD answer, and checks HEAD as GET otherwise', () => {
    expect(sut.check(exchange({ method: 'DELETE', status: 204, headers: {}, body: '{}' }))).toEqual([
      'body: a 204 answer must have none, got 2 characters',
    ]);
    expect(sut.check(exchange({ method: 'HEAD' }))).toEqual([
      `body: a HEAD answer must have none, got ${exchange().body.length} characters`,
    ]);
    expect(sut.check(exchange({ method: 'HEAD', body: '' }))).toEqual([]);
    expect(sut.check(exchange({ method: 'HEAD', body: '', status: 401 }))).toEqual([
      'status: 401 is not documented (documented: 200, 404, 5XX)',
    ]);
  });

  it('reports a body the status does not document, and no body where one is documented', () => {
    const headers = { 'content-type': 'text/html' };
    expect(sut.check(exchange({ method: 'DELETE', status: 204, headers, body: '' }))).toEqual([]);
    const conflict = { 'content-type': 'application/problem+json' };
    const body = JSON.stringify({ status: 409, title: 'Conflict' });
    expect(sut.check(exchange({ method: 'DELETE', status: 409, headers: conflict, body }))).toEqual([
      'content-type: application/problem+json sent, but the document describes no body',
    ]);
    expect(sut.check(exchange({ body: '' }))).toEqual(['body: none, but the document describes application/json']);
    expect(sut.check(exchange({ body: '{"id":' }))).toEqual([expect.stringMatching(/^body: not valid JSON/)]);
  });

  it('checks only the Content-Type of a body that is not JSON', () => {
    const metrics = { method: 'GET', path: '/metrics', status: 200, body: 'up 1\n' };
    expect(sut.check({ ...metrics, headers: { 'content-type': 'text/plain; version=0.0.4' } })).toEqual([]);
    expect(sut.check({ ...metrics, headers: { 'content-type': 'text/html' } })).toEqual([
      'content-type: text/html is not documented (documented: text/plain)',
    ]);
  });

  it('matches a literal path before a template, as the router does', () => {
    expect(sut.operation('GET', '/api/v1/items/mine')).toBe('GET /api/v1/items/mine');
    expect(sut.operation('HEAD', '/api/v1/items/mine/')).toBe('GET /api/v1/items/mine');
    expect(sut.operation('DELETE', '/api/v1/items/mine')).toBe('DELETE /api/v1/items/{id}');
    expect(sut.check(exchange({ path: '/api/v1/items/mine', body: JSON.stringify([item]) }))).toEqual([]);
  });

  it('skips what the document has no operation for', () => {
    const anything = { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>nope</h1>' };
    for (const [method, path] of [
      ['GET', '/api/v1/nowhere'],
      ['GET', '/api/v1/items/7/more'],
      ['PUT', '/api/v1/items/7'],
      ['GET', '/docs-json'],
      ['GET', '/docs/swagger-ui.css'],
    ]) {
      expect(sut.check({ method, path, ...anything })).toEqual([]);
    }
  });

  it('leaves the document as it was', () => {
    expect(document).toEqual(DOCUMENT);
  });
});

describe('loadOpenApiContract', () => {
  it("reads the repository's openapi.json once", () => {
    const contract = loadOpenApiContract();
    expect(loadOpenApiContract()).toBe(contract);
    expect(contract.operation('PATCH', '/api/v1/users/3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f')).toBe(
      'PATCH /api/v1/users/{id}',
    );
  });
});
