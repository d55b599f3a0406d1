import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, RequestHandler } from 'express';
import { RouteMethods } from './route-methods';

const handler: RequestHandler = (_req, res) => {
  res.end();
};

/** A real express application, as Nest's adapter builds it, with `routes` registered on it. */
function expressWith(routes: (app: Express) => void): Express {
  const app = new ExpressAdapter().getInstance<Express>();
  routes(app);
  return app;
}

describe(RouteMethods.name, () => {
  const app = expressWith((app) => {
    app.use((_req, _res, next) => next());
    app.post('/api/v1/auth/login', handler);
    app.get('/api/v1/users/me', handler);
    app.patch('/api/v1/users/me', handler);
    app.delete('/api/v1/users/:id', handler);
    app.get('/api/v1/users/:id', handler);
    app.put('/api/v1/files/:name', handler);
    app.get('/health/live', handler);
    app.head('/health/live', handler);
    app.purge('/cache', handler);
    app.options('/cache', handler);
  });
  const sut = new RouteMethods(app.router.stack);

  it('lists the methods of every route of a path, in a stable order, with HEAD wherever GET is', () => {
    expect(sut.allowedOn('/api/v1/auth/login')).toEqual(['POST']);
    expect(sut.allowedOn('/api/v1/users/me')).toEqual(['GET', 'HEAD', 'PATCH', 'DELETE']);
    expect(sut.allowedOn('/health/live')).toEqual(['GET', 'HEAD']);
    expect(sut.allowedOn('/cache')).toEqual(['OPTIONS', 'PURGE']);
  });

  it('matches path parameters as express does, one segment each', () => {
    expect(sut.allowedOn('/api/v1/users/42')).toEqual(['GET', 'HEAD', 'DELETE']);
    expect(sut.allowedOn('/api/v1/files/report%20final.pdf')).toEqual(['PUT']);
    expect(sut.allowedOn('/api/v1/users/42/sessions')).toEqual([]);
    expect(sut.allowedOn('/api/v1/users')).toEqual([]);
  });

  it('matches paths case-insensitively and with or without a trailing slash', () => {
    expect(sut.allowedOn('/API/V1/Auth/Login')).toEqual(['POST']);
    expect(sut.allowedOn('/api/v1/auth/login/')).toEqual(['POST']);
    expect(sut.allowedOn('/Health/Live/')).toEqual(['GET', 'HEAD']);
  });

  it('knows no path that only middleware or a route for every method covers', () => {
    const app = expressWith((app) => {
      app.use('/docs', (_req, _res, next) => next());
      app.all('/health', handler);
      app.route('/anything').all(handler);
      app.get('/status', handler);
    });
    const routes = new RouteMethods(app.router.stack);

    expect(routes.allowedOn('/docs')).toEqual([]);
    expect(routes.allowedOn('/docs/swagger-ui.css')).toEqual([]);
    expect(routes.allowedOn('/health')).toEqual([]);
    expect(routes.allowedOn('/anything')).toEqual([]);
    expect(routes.allowedOn('/status')).toEqual(['GET', 'HEAD']);
  });

  it('adds the methods answered before routing to known paths only', () => {
    const routes = new RouteMethods(app.router.stack, ['OPTIONS']);

    expect(routes.allowedOn('/api/v1/auth/login')).toEqual(['POST', 'OPTIONS']);
    expect(routes.allowedOn('/cache')).toEqual(['OPTIONS', 'PURGE']);
    expect(routes.allowedOn('/api/v1/nowhere')).toEqual([]);
  });

  it('knows no route for a parameter express cannot decode', () => {
    expect(sut.allowedOn('/api/v1/users/%E0%A4%A')).toEqual([]);
    expect(sut.allowedOn('/api/v1/auth/login')).toEqual(['POST']);
  });

  it('reads only the routes registered when it is built', () => {
    const growing = expressWith((app) => app.get('/early', handler));
    const routes = new RouteMethods(growing.router.stack);
    growing.get('/late', handler);

    expect(routes.allowedOn('/early')).toEqual(['GET', 'HEAD']);
    expect(routes.allowedOn('/late')).toEqual([]);
  });
});
