import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Level, Logger } from 'pino';
import { isProbeOrScrape } from '@/common/http/probe-paths';
import { redactUrl } from '@/common/http/redact-url';
import { platformRequestOf } from '@/common/http/platform';
import { assignRequestId } from '@/common/http/request-id';
import { routeTemplateOf, RoutedRequest } from '@/common/http/route-template';
import { ContextRequest, runInRequestContext } from './request-context';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Assigns the request id, runs the rest of the request in its context and ends it with
 * one completion line: request id, method, url, route template, status and duration
 * (plus trace and span ids from the logger's mixin when tracing is on). The url's query
 * has the values of credential parameters (`access_token`, `code`, `sig`, …) replaced by
 * `[REDACTED]`. Nothing else is serialised: no headers, no body, so nothing secret can
 * reach the line and no request pays for fields nobody reads. Lines are built only at
 * levels that are written; probes and scrapes are logged at debug, so above it they cost
 * one regular expression test.
 *
 * `access` writes the completion lines and needs no redaction (it never sees a value
 * from a header or a body, and the query is redacted here); the root logger, which
 * does, serves every other line.
 */
export function requestLogging(access: Logger): Middleware {
  const logsQuietPaths = access.isLevelEnabled('debug');
  const logsRequests = access.isLevelEnabled('info');

  return (req, res, next) => {
    const requestId = assignRequestId(req, res);
    const quiet = isProbeOrScrape(req.url);
    if (!(quiet ? logsQuietPaths : logsRequests)) {
      // An unlogged probe or scrape: nothing it does logs per request, so it needs no context.
      if (quiet) next();
      else runInRequestContext(platformRequestOf(req) as ContextRequest, next);
      return;
    }
    const started = performance.now();
    // Read now: routing rewrites req.url while it descends into routers.
    const { method } = req;
    const url = req.url === undefined ? undefined : redactUrl(req.url);
    res.once('close', () =>
      logCompletion(access, { id: requestId, method, url }, req, res, quiet, performance.now() - started),
    );
    runInRequestContext(platformRequestOf(req) as ContextRequest, next);
  };
}

function logCompletion(
  access: Logger,
  request: { id: string; method?: string; url?: string },
  req: IncomingMessage,
  res: ServerResponse,
  quiet: boolean,
  elapsedMs: number,
): void {
  const finished = res.writableFinished;
  const statusCode = res.statusCode;
  let level: Level = quiet ? 'debug' : 'info';
  let msg = 'request completed';
  if (!finished) {
    // The client went away first: nothing failed here, but the work done was wasted.
    level = 'warn';
    msg = 'request aborted';
  } else if (statusCode >= 500) {
    level = 'error';
    msg = 'request errored';
  }
  access[level](
    {
      requestId: request.id,
      req: request,
      res: { statusCode },
      route: routeTemplateOf(req as RoutedRequest),
      durationMs: Math.round(elapsedMs * 1000) / 1000,
    },
    msg,
  );
}
