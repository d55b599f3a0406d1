import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv } from '@test/factories/auth.factory';

type Operation = {
  parameters?: Array<{ name: string }>;
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};

/** The OpenAPI document describes every auth and users route the contract lists, with its security and errors. */
describe('OpenAPI document for auth and users', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    paths = (await request(t.server).get('/docs-json').expect(200)).body.paths;
  });
  afterAll(() => t.close());

  const routes: Array<[string, string, { public?: boolean; body?: string; ok: string; errors: string[] }]> = [
    [
      'post',
      '/api/v1/auth/register',
      { public: true, body: 'RegisterRequest', ok: '201', errors: ['400', '409', '429', '503'] },
    ],
    [
      'post',
      '/api/v1/auth/login',
      { public: true, body: 'LoginRequest', ok: '200', errors: ['400', '401', '403', '429', '503'] },
    ],
    ['post', '/api/v1/auth/refresh', { public: true, body: 'RefreshTokenRequest', ok: '200', errors: ['400', '401'] }],
    ['post', '/api/v1/auth/logout', { body: 'RefreshTokenRequest', ok: '204', errors: ['401'] }],
    ['get', '/api/v1/auth/sessions', { ok: '200', errors: ['401', '429'] }],
    ['delete', '/api/v1/auth/sessions', { ok: '204', errors: ['401', '429'] }],
    ['delete', '/api/v1/auth/sessions/{id}', { ok: '204', errors: ['400', '401', '404', '429'] }],
    [
      'post',
      '/api/v1/auth/email/verify',
      { public: true, body: 'VerifyEmailRequest', ok: '204', errors: ['400', '409', '429'] },
    ],
    ['post', '/api/v1/auth/email/resend', { ok: '202', errors: ['401', '409', '429', '503'] }],
    [
      'post',
      '/api/v1/auth/password/forgot',
      { public: true, body: 'ForgotPasswordRequest', ok: '202', errors: ['400', '429', '503'] },
    ],
    [
      'post',
      '/api/v1/auth/password/reset',
      { public: true, body: 'ResetPasswordRequest', ok: '204', errors: ['400', '429', '503'] },
    ],
    ['get', '/api/v1/users/me', { ok: '200', errors: ['401'] }],
    ['patch', '/api/v1/users/me', { body: 'UpdateMeRequest', ok: '200', errors: ['400', '401', '409', '429', '503'] }],
    ['delete', '/api/v1/users/me', { body: 'DeleteMeRequest', ok: '204', errors: ['400', '401', '409', '429', '503'] }],
    [
      'post',
      '/api/v1/users',
      { body: 'CreateUserRequest', ok: '201', errors: ['400', '401', '403', '409', '429', '503'] },
    ],
    ['get', '/api/v1/users', { ok: '200', errors: ['400', '401', '403'] }],
    ['get', '/api/v1/users/{id}', { ok: '200', errors: ['400', '401', '404'] }],
    ['patch', '/api/v1/users/{id}', { body: 'UpdateUserRequest', ok: '200', errors: ['400', '401', '403', '404'] }],
    ['delete', '/api/v1/users/{id}', { ok: '204', errors: ['401', '403', '404'] }],
  ];

  it.each(routes)('documents %s %s', (method, path, expected) => {
    const op = paths[path]?.[method];
    expect(op).toBeDefined();
    if (expected.public) expect(op.security).toEqual([]);
    else expect(op.security).toEqual([{ bearer: [] }]);
    if (expected.body) {
      expect(op.requestBody?.content['application/json'].schema.$ref).toBe(`#/components/schemas/${expected.body}`);
    }
    expect(op.responses[expected.ok]).toBeDefined();
    for (const status of expected.errors) {
      expect(op.responses[status]?.content?.['application/problem+json'].schema.$ref).toBe(
        '#/components/schemas/Problem',
      );
    }
  });

  it('documents the response bodies without any password field', async () => {
    const schemas = (await request(t.server).get('/docs-json')).body.components.schemas;
    expect(Object.keys(schemas.User.properties).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'isActive',
      'name',
      'role',
      'updatedAt',
    ]);
    expect(Object.keys(schemas.TokenPair.properties).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'tokenType',
    ]);
    expect(Object.keys(schemas.Session.properties).sort()).toEqual([
      'createdAt',
      'current',
      'id',
      'ip',
      'lastUsedAt',
      'userAgent',
    ]);
    expect(paths['/api/v1/auth/sessions'].get.responses['200'].content?.['application/json'].schema).toEqual({
      type: 'array',
      maxItems: 100,
      items: { $ref: '#/components/schemas/Session' },
    });
    expect(schemas.UsersPage.properties.meta.$ref).toBe('#/components/schemas/PageMeta');
    const parameters = paths['/api/v1/users'].get.parameters ?? [];
    expect(parameters.map((p) => p.name).sort()).toEqual(['limit', 'page', 'role', 'search', 'sort']);
  });
});
