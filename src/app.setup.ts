import { NotFoundException, RequestMethod, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { appConfig, AppConfig, jobsConfig, JobsConfig } from '@/config/configuration';
import { bodyParserErrors } from '@/common/http/body-parser-errors';
import { rejectHostileJson } from '@/common/http/hostile-json';
import { setupSwagger } from '@/common/swagger/swagger';
import { LOGGERS } from '@/infra/logging/logging.module';
import type { Loggers } from '@/infra/logging/loggers';
import { requestLogging } from '@/infra/logging/request-logging';
import { httpMetricsMiddleware } from '@/modules/metrics/http-metrics.middleware';

export const API_PREFIX = 'api/v1';

/**
 * Routes that live outside /api/v1: probes, scrapes and the API docs. Nest answers a miss
 * on these paths with its problem 404; listing the docs here keeps that true when
 * DOCS_ENABLED is off and Swagger mounts nothing there.
 */
export const UNPREFIXED = [
  { path: 'health', method: RequestMethod.ALL },
  { path: 'health/{*rest}', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.ALL },
  { path: 'problems', method: RequestMethod.ALL },
  { path: 'problems/{*rest}', method: RequestMethod.ALL },
  { path: 'docs', method: RequestMethod.ALL },
  { path: 'docs/{*rest}', method: RequestMethod.ALL },
  { path: 'docs-json', method: RequestMethod.ALL },
  { path: 'docs-yaml', method: RequestMethod.ALL },
];

/**
 * Whether Nest may route `path`: the API, or one of the UNPREFIXED routes. Express matches
 * paths case-insensitively and ignores a trailing slash, and so does this.
 */
function isRoutable(path: string): boolean {
  const lower = path.toLowerCase().replace(/\/+$/, '');
  if (lower === `/${API_PREFIX}` || lower.startsWith(`/${API_PREFIX}/`)) return true;
  return UNPREFIXED.some(({ path: route }) =>
    route.endsWith('/{*rest}') ? lower.startsWith(`/${route.slice(0, -'{*rest}'.length)}`) : lower === `/${route}`,
  );
}

/**
 * Nest answers an unmatched route with its problem 404 only under the global prefix and the
 * excluded paths; any other path would fall through to express's HTML page. Refused here,
 * with the same exception Nest throws, so every miss gets the same problem document.
 */
function refuseUnroutablePaths(req: Request, _res: Response, next: NextFunction): void {
  if (isRoutable(req.path)) {
    next();
    return;
  }
  next(new NotFoundException(`Cannot ${req.method} ${req.path}`));
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const isJson = (req: IncomingMessage) => JSON_TYPE.test(req.headers['content-type'] ?? '');

/**
 * API answers are per caller (tokens, profiles, user lists) or about one request (problems):
 * no browser, proxy or CDN may keep a copy. Probes, scrapes and the docs are left alone.
 */
function noStoreForApi(req: Request, res: Response, next: NextFunction): void {
  // Lower-cased: express routes paths case-insensitively.
  if (req.path.toLowerCase().startsWith(`/${API_PREFIX}/`)) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** The API speaks JSON only: a body of any other type is refused before it is parsed. */
function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !isJson(req)) {
    next(new UnsupportedMediaTypeException('Send the request body as application/json.'));
    return;
  }
  next();
}

/** What a worker (APP_ROLE=worker) serves: probes and the scrape, nothing of the API or its docs. */
export const WORKER_PATHS = /^\/(health(\/.*)?|metrics)\/?$/i;

function operationalRoutesOnly(req: Request, _res: Response, next: NextFunction): void {
  if (WORKER_PATHS.test(req.path)) {
    next();
    return;
  }
  next(new NotFoundException(`Cannot ${req.method} ${req.path}`));
}

/**
 * Applies the HTTP conventions every route shares. Used by main.ts and by the e2e tests,
 * so the tests exercise exactly the stack that runs in production.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfig>(appConfig.KEY);
  const jobs = app.get<JobsConfig>(jobsConfig.KEY);

  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.set('etag', false);
  // First, so every request is measured, including those refused by any later middleware.
  app.use(httpMetricsMiddleware(app.get(Registry)));
  // Assigns the request id (echoed as X-Request-Id) and logs the request when it ends.
  app.use(requestLogging(app.get<Loggers>(LOGGERS).access));
  app.use(helmet());
  app.use(refuseUnroutablePaths);
  app.use(noStoreForApi);
  if (!jobs.servesApi) app.use(operationalRoutesOnly);
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'],
    maxAge: 600,
  });
  app.use(requireJsonBodies);
  app.useBodyParser('json', { limit: config.bodyLimit, type: isJson });
  app.use(bodyParserErrors);
  app.use(rejectHostileJson);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  // Off, /docs, /docs-json and the UI's assets are unknown routes (see UNPREFIXED).
  if (config.docsEnabled && jobs.servesApi) setupSwagger(app, API_PREFIX);
  return app;
}
