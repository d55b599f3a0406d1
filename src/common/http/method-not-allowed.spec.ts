import { HttpStatus } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, Request, RequestHandler, Response } from 'express';
import { refuseUnsupportedMethods } from './method-not-allowed';
import { MethodNotAllowedProblem } from './problem';
import { RouteMethods } from './route-methods';

const handler: RequestHandler = (_req, res) => {
  res.end();
};

describe(refuseUnsupportedMethods.name, () => {
  const app = new ExpressAdapter().getInstance<Express>();
  app.post('/api/v1/auth/login', handler);
  app.get('/api/v1/users/:id', handler);
  app.patch('/api/v1/users/:id', handler);
  const sut = refuseUnsupportedMethods(new RouteMethods(app.router.stack));

  const nextFor = (method: string, originalUrl: string): jest.Mock => {
    const next = jest.fn();
    const req = { method, originalUrl, path: originalUrl.split('?')[0] } as Request;
    sut(req, {} as Response, next);
    return next;
  };

  it('refuses a known path asked with a method none of its routes takes', () => {
    const next = nextFor('PUT', '/api/v1/users/42?fields=name');

    expect(next).toHaveBeenCalledTimes(1);
    const [problem] = next.mock.calls[0] as [MethodNotAllowedProblem];
    expect(problem).toBeInstanceOf(MethodNotAllowedProblem);
    expect(problem.getStatus()).toBe(HttpStatus.METHOD_NOT_ALLOWED);
    expect(problem.code).toBe('method_not_allowed');
    expect(problem.allow).toEqual(['GET', 'HEAD', 'PATCH']);
    expect(problem.detail).toBe('PUT is not supported on /api/v1/users/42; use GET, HEAD or PATCH.');
  });

  it('passes an unknown path on, to be answered 404', () => {
    expect(nextFor('PUT', '/api/v1/auth/nowhere').mock.calls).toEqual([[]]);
    expect(nextFor('GET', '/api/v1/users/42/sessions').mock.calls).toEqual([[]]);
  });

  it('passes on a method the path takes, which a route let through (a host or version filter)', () => {
    expect(nextFor('POST', '/api/v1/auth/login').mock.calls).toEqual([[]]);
    expect(nextFor('HEAD', '/api/v1/users/42').mock.calls).toEqual([[]]);
  });
});
