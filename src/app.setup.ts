import { INestApplication, NotFoundException, RequestMethod, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cors from 'cors';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import { appConfig, AppConfig, jobsConfig, JobsConfig } from '@/config/configuration';
import { jsonBodies } from '@/common/http/body-parser-errors';
import { rejectHostileJson } from '@/common/http/hostile-json';
import { HttpAdapterName, pathOf } from '@/common/http/platform';
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

/** Middleware as both platforms run it (fastify through @fastify/middie): on the Node.js request and response. */
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const notFound = (req: IncomingMessage) => new NotFoundException(`Cannot ${req.method} ${pathOf(req.url)}`);

/**
 * Nest answers an unmatched route with its problem 404 only under the global prefix and the
 * excluded paths; any other path would fall through to express's HTML page. Refused here,
 * with the same exception Nest throws, so every miss gets the same problem document.
 */
const refuseUnroutablePaths: Middleware = (req, _res, next) =>
  next(isRoutable(pathOf(req.url)) ? undefined : notFound(req));

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const isJson = (req: IncomingMessage) => JSON_TYPE.test(req.headers['content-type'] ?? '');

/**
 * API answers are per caller (tokens, profiles, user lists) or about one request (problems):
 * no browser, proxy or CDN may keep a copy. Probes, scrapes and the docs are left alone.
 */
const noStoreForApi: Middleware = (req, res, next) => {
  // Lower-cased: paths are routed case-insensitively.
  if (req.url?.toLowerCase().startsWith(`/${API_PREFIX}/`)) res.setHeader('Cache-Control', 'no-store');
  next();
};

/** The API speaks JSON only: a body of any other type is refused before it is parsed. */
const requireJsonBodies: Middleware = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  next(
    hasBody && !isJson(req)
      ? new UnsupportedMediaTypeException('Send the request body as application/json.')
      : undefined,
  );
};

/** What a worker (APP_ROLE=worker) serves: probes and the scrape, nothing of the API or its docs. */
export const WORKER_PATHS = /^\/(health(\/.*)?|metrics)\/?$/i;

const operationalRoutesOnly: Middleware = (req, _res, next) =>
  next(WORKER_PATHS.test(pathOf(req.url)) ? undefined : notFound(req));

/**
 * Applies the HTTP conventions every route shares, on either platform (fastify's own part is
 * set when its adapter is made, see fastify-platform.ts). Used by main.ts and by the e2e
 * tests, so the tests exercise exactly the stack that runs in production.
 */
export function configureApp<App extends INestApplication>(app: App): App {
  const config = app.get<AppConfig>(appConfig.KEY);
  const jobs = app.get<JobsConfig>(jobsConfig.KEY);

  app.useLogger(app.get(Logger));
  const adapter = app.getHttpAdapter().getType() as HttpAdapterName;
  if (adapter === 'express') {
    const express = app as unknown as NestExpressApplication;
    express.set('trust proxy', config.trustProxy);
    express.disable('x-powered-by');
    express.set('etag', false);
  }
  // First, so every request is measured, including those refused by any later middleware.
  app.use(httpMetricsMiddleware(app.get(Registry)));
  // Assigns the request id (echoed as X-Request-Id) and logs the request when it ends.
  app.use(requestLogging(app.get<Loggers>(LOGGERS).access));
  app.use(helmet());
  app.use(refuseUnroutablePaths);
  app.use(noStoreForApi);
  if (!jobs.servesApi) app.use(operationalRoutesOnly);
  // Without an allowed origin there is no CORS at all: OPTIONS is routed like any method. The
  // cors middleware itself, not enableCors: fastify's CORS plugin would answer preflights in a
  // hook before this stack (no request id, headers, log line or metric) and on unknown paths.
  if (config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: config.corsOrigins,
        exposedHeaders: [
          'X-Request-Id',
          'Retry-After',
          'X-RateLimit-Limit',
          'X-RateLimit-Remaining',
          'X-RateLimit-Reset',
        ],
        maxAge: 600,
      }),
    );
  }
  app.use(requireJsonBodies);
  app.use(jsonBodies(config.bodyLimit, isJson));
  app.use(rejectHostileJson);
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  // Off, /docs, /docs-json and the UI's assets are unknown routes (see UNPREFIXED).
  if (config.docsEnabled && jobs.servesApi) setupSwagger(app, API_PREFIX);
  return app;
}
