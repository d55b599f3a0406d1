import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import request from 'supertest';
import { AUTHENTICATED_KEY, ROLES_KEY } from '@/modules/auth/decorators/authenticated.decorator';
import { IS_PUBLIC_KEY } from '@/modules/auth/decorators/public.decorator';
import { authEnv, registerAndLogin } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

type Access = 'public' | 'signed-in' | 'admin';

interface Route {
  method: string;
  /** As the OpenAPI document spells it: `/api/v1/users/{id}`. */
  path: string;
  access: Access;
  /** Both `@Public()` and `@Authenticated()`, or neither: the route's access is undeclared. */
  declared: boolean;
}

/** Who can reach each route. A new route fails this test until it is added here, on purpose. */
const EXPECTED: Record<string, Access> = {
  'POST /api/v1/auth/register': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'signed-in',
  'GET /api/v1/auth/sessions': 'signed-in',
  'DELETE /api/v1/auth/sessions': 'signed-in',
  'DELETE /api/v1/auth/sessions/{id}': 'signed-in',
  'POST /api/v1/auth/email/verify': 'public',
  'POST /api/v1/auth/email/resend': 'signed-in',
  'POST /api/v1/auth/password/forgot': 'public',
  'POST /api/v1/auth/password/reset': 'public',
  'GET /api/v1/users/me': 'signed-in',
  'PATCH /api/v1/users/me': 'signed-in',
  'DELETE /api/v1/users/me': 'signed-in',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users': 'admin',
  'GET /api/v1/users/{id}': 'signed-in',
  'PATCH /api/v1/users/{id}': 'admin',
  'DELETE /api/v1/users/{id}': 'admin',
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /problems': 'public',
  'GET /problems/{code}': 'public',
};

const UNPREFIXED = /^(health|metrics|problems)(\/|$)/;
const join = (...parts: Array<string | undefined>) =>
  parts
    .flatMap((part) => (part ?? '').split('/'))
    .filter(Boolean)
    .join('/');

/** Every handler the application routes, with the access its decorators declare. */
function routesOf(t: TestApp): Route[] {
  const discovery = new DiscoveryService(t.app.get(ModulesContainer));
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const routes: Route[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new () => object) | undefined;
    if (!controller) continue;
    const prototype = controller.prototype as Record<string, (...args: unknown[]) => unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const path = join(Reflect.getMetadata(PATH_METADATA, controller), Reflect.getMetadata(PATH_METADATA, handler));
      const isPublic = reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [handler, controller]) === true;
      const authenticated = reflector.getAllAndOverride<boolean>(AUTHENTICATED_KEY, [handler, controller]) === true;
      const roles = reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [handler, controller]) ?? [];
      routes.push({
        method: RequestMethod[method],
        path: `/${UNPREFIXED.test(path) ? path : join('api/v1', path)}`.replace(/:(\w+)/g, '{$1}'),
        access: isPublic ? 'public' : roles.includes('admin') ? 'admin' : 'signed-in',
        declared: isPublic !== authenticated,
      });
    }
  }
  return routes;
}

describe('who can reach each route', () => {
  let t: TestApp;
  let routes: Route[];

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    routes = routesOf(t);
  });
  afterAll(() => t.close());

  it('is the list above, route for route', () => {
    expect(Object.fromEntries(routes.map((r) => [`${r.method} ${r.path}`, r.access]))).toEqual(EXPECTED);
  });

  it('is declared on every route by exactly one of @Public() and @Authenticated()', () => {
    expect(routes.filter((r) => !r.declared).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('is what the OpenAPI document says: bearer security exactly on the routes that need a token', async () => {
    const paths = (await request(t.server).get('/docs-json').expect(200)).body.paths as Record<
      string,
      Record<string, { security?: unknown[] }>
    >;
    for (const route of routes) {
      const operation = paths[route.path]?.[route.method.toLowerCase()];
      expect({ route: `${route.method} ${route.path}`, documented: operation !== undefined }).toEqual({
        route: `${route.method} ${route.path}`,
        documented: true,
      });
      const security = operation?.security ?? [];
      expect({ route: `${route.method} ${route.path}`, security }).toEqual({
        route: `${route.method} ${route.path}`,
        security: route.access === 'public' ? [] : [{ bearer: [] }],
      });
    }
  });

  it('is what the guards enforce: 401 without a token, 403 for a signed-in non-admin', async () => {
    const user = await registerAndLogin(t.server);
    const outcomes: Record<string, string> = {};
    for (const route of routes) {
      const url = route.path.replace('{id}', user.id);
      const call = () => request(t.server)[route.method.toLowerCase() as 'get'](url);
      const anonymous = (await call()).status;
      const signedIn = (await call().set('Authorization', user.bearer)).status;
      const reached = (status: number) => (status === 401 || status === 403 ? String(status) : 'reached');
      outcomes[`${route.method} ${route.path}`] = `${reached(anonymous)}, ${reached(signedIn)}`;
    }
    const expected = Object.fromEntries(
      routes.map((r) => {
        const key = `${r.method} ${r.path}`;
        if (r.access === 'public') return [key, 'reached, reached'];
        return [key, r.access === 'admin' ? '401, 403' : '401, reached'];
      }),
    );
    expect(outcomes).toEqual(expected);
  });
});
