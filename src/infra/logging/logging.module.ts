import { Module, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { appConfig, AppConfig } from '@/config/configuration';
import { assignRequestId } from '@/common/http/request-id';
import { routeTemplateOf, RoutedRequest } from '@/common/http/route-template';
import { flushLogs, stdoutDestination } from './log-destination';
import { traceContextFields } from './trace-context';

/** Probes and scrapes arrive every few seconds; at info they would drown the real traffic. */
const QUIET_PATHS = /^\/(health|metrics)(\/|$|\?)/;

const SECRET_FIELDS = ['password', 'currentPassword', 'newPassword', 'refreshToken', 'accessToken', 'passwordHash'];

/**
 * Redacted wherever they appear in a logged object: request bodies, errors or ad-hoc
 * log objects, up to three levels deep (pino's redaction has no recursive wildcard).
 * Headers are not serialised at all; the header paths guard against someone logging
 * a raw request.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

/**
 * Structured JSON logs through pino, one line per event on stdout. Each request ends
 * with one completion line carrying its request id, method, route template, status and
 * duration, plus trace and span ids when tracing is on. Only those fields are
 * serialised: full header dumps cost CPU on every request and leak bearer tokens.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => {
        const pretty = app.env === 'development' && isInstalled('pino-pretty');
        const options: Options = {
          level: app.logLevel,
          genReqId: assignRequestId,
          mixin: traceContextFields,
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
          // Lines logged during a request carry just its id; the completion line adds the request itself.
          quietReqLogger: true,
          transport: pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
        };
        // A transport runs in a worker thread with its own output; otherwise lines go to stdout asynchronously.
        return {
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          // Probe and scrape lines are debug: above that level they would be built per request and dropped,
          // so those routes skip the request logger entirely (their X-Request-Id comes from requestIdMiddleware).
          exclude: levelAboveDebug(app.logLevel) ? QUIET_ROUTES : [],
          pinoHttp: pretty ? options : [options, stdoutDestination()],
        };
      },
    }),
  ],
})
export class LoggingModule implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    flushLogs();
  }
}

/** The routes whose completion lines are logged at debug (see QUIET_PATHS). */
const QUIET_ROUTES = [
  { path: 'health', method: RequestMethod.ALL },
  { path: 'health/{*rest}', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.ALL },
];

function levelAboveDebug(level: AppConfig['logLevel']): boolean {
  return !['debug', 'trace'].includes(level);
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
