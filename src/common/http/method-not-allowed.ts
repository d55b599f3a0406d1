import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { appConfig, AppConfig } from '@/config/configuration';
import { MethodNotAllowedProblem } from './problem';
import { RouteMethods } from './route-methods';

/**
 * Passes on a request no route answered, unless its path is a route's and only the method
 * is wrong: that is refused with a 405 problem that lists the path's methods.
 */
export function refuseUnsupportedMethods(
  routes: RouteMethods,
): (req: Request, res: Response, next: NextFunction) => void {
  return function refuseUnsupportedMethod(req, _res, next) {
    const allow = routes.allowedOn(req.path);
    // No methods: an unknown path, Nest's 404. The request's own method: a route passed it on
    // (a host or version filter), which is not a wrong method either.
    if (allow.length === 0 || allow.includes(req.method)) {
      next();
      return;
    }
    next(new MethodNotAllowedProblem(req.method, req.originalUrl.split('?')[0], allow));
  };
}

/**
 * Answers a known path asked with a method none of its routes takes (`PUT /api/v1/auth/login`)
 * with 405 and `Allow`, where Nest would answer 404.
 *
 * The check belongs after the last route and before Nest's not-found handler: only misses
 * reach it, so a matched request never pays for it. Nest registers the routes before it calls
 * `onModuleInit` and its not-found handler after (`NestApplication.init()`), so this mounts the
 * check then, on a table of the routes express holds at that moment: every controller's, the
 * operational ones outside /api/v1 and the docs' when they are served. A worker
 * (APP_ROLE=worker) refuses API paths before routing, so they stay 404 there.
 */
@Injectable()
export class MethodNotAllowedHandler implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // A module compiled without an HTTP application has no routes to check.
    if (adapter?.getType() !== 'express') return;
    const app = adapter.getInstance<Express>();
    // With an allowed origin, the CORS middleware (configureApp) answers every OPTIONS
    // itself, before routing; without one, OPTIONS reaches routing like any other method.
    const answeredBeforeRouting = this.config.corsOrigins.length > 0 ? ['OPTIONS'] : [];
    adapter.use(refuseUnsupportedMethods(new RouteMethods(app.router.stack, answeredBeforeRouting)));
  }
}
