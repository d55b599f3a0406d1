import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, AppConfig } from '@/config/configuration';
import { assignRequestId } from '@/common/http/request-id';

/** Probes and scrapes arrive every few seconds; at info they would drown the real traffic. */
const QUIET_PATHS = /^\/(health|metrics)(\/|$|\?)/;

/** Paths are redacted wherever these appear, in request bodies, errors or ad-hoc log objects. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.passwordHash',
];

type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string; originalUrl?: string };

/** The matched route template (`/api/v1/users/:id`), never the raw path with its ids. */
export function routeTemplateOf(req: RoutedRequest): string {
  const path = req.route?.path;
  // The logging middleware itself is mounted on a catch-all route; seeing it means no handler matched.
  return path && !path.includes('{*') ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}

/**
 * Structured JSON logs through pino: one completion line per request with its id,
 * method, route template, status and duration. Only those fields are serialised: full
 * header dumps cost CPU on every request and leak bearer tokens.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => ({
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: app.logLevel,
          genReqId: assignRequestId,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => {
            if (err || res.statusCode >= 500) return 'error';
            if (QUIET_PATHS.test(req.url ?? '')) return 'debug';
            return 'info';
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: req.url,
            }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customSuccessObject: (req: RoutedRequest, res: ServerResponse, value: Record<string, unknown>) => ({
            ...value,
            route: routeTemplateOf(req),
          }),
          customErrorObject: (req: RoutedRequest, res: ServerResponse, err: Error, value: Record<string, unknown>) => ({
            ...value,
            route: routeTemplateOf(req),
          }),
          customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
          transport:
            app.env === 'development' && isInstalled('pino-pretty')
              ? { target: 'pino-pretty', options: { singleLine: true } }
              : undefined,
        },
      }),
    }),
  ],
})
export class LoggingModule {}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
