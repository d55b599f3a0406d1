import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { routeTemplateOf } from '@/common/http/route-template';

/** Seconds; from a cache hit (5 ms) to the slowest an API call should ever be (5 s). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Reported when the client went away before the response was complete (nginx's convention). */
const CLIENT_CLOSED_REQUEST = '499';

const LABELS = ['method', 'route', 'status_code'] as const;
type Label = (typeof LABELS)[number];

interface BoundSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<Label>;
}

/**
 * Express middleware recording every request: total, duration and in-flight. It is
 * mounted first in `configureApp()` and records on the response's `close` event, so
 * requests refused by guards (401, 403, 429), by body parsing (400, 413, 415) or by
 * routing (404) are counted too; an interceptor would miss all of them.
 *
 * The route label is the template (`/api/v1/users/:id`), never the raw path, so the
 * number of series is bounded by the routes the service has. The series go to the
 * application's `registry`.
 */
export function httpMetricsMiddleware(
  registry: Registry,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const registers = [registry];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests completed, by method, route template and status code',
    labelNames: LABELS,
    registers,
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration from arrival to the last byte sent, by method, route template and status code',
    labelNames: LABELS,
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served right now',
    registers,
  });

  // One bound child per label set, built once: the hot path allocates no label object per request.
  const bound = new Map<string, BoundSeries>();
  const seriesFor = (method: string, route: string, status: string): BoundSeries => {
    const key = `${method} ${status} ${route}`;
    let series = bound.get(key);
    if (series === undefined) {
      const labels = { method, route, status_code: status };
      series = { requests: requests.labels(labels), duration: duration.labels(labels) };
      bound.set(key, series);
    }
    return series;
  };

  return (req, res, next) => {
    const started = performance.now();
    inFlight.inc();
    res.once('close', () => {
      inFlight.dec();
      const status = res.writableFinished ? String(res.statusCode) : CLIENT_CLOSED_REQUEST;
      const series = seriesFor(req.method ?? 'UNKNOWN', routeTemplateOf(req), status);
      series.requests.inc();
      series.duration.observe((performance.now() - started) / 1000);
    });
    next();
  };
}
