import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Span } from '@opentelemetry/api';
import { ClientRequest, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { isProbeOrScrape } from '@/common/http/probe-paths';
import { redactQuery } from '@/common/http/redact-url';

/**
 * OpenTelemetry tracing. It has to start before http, express, pg or ioredis are first
 * loaded, because the instrumentations patch those modules as they are required: main.ts
 * starts it right after validating the environment and before importing the server.
 *
 * Configured by the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, …);
 * without an exporter endpoint nothing starts and the API stays a no-op.
 */

export interface TracingOptions {
  serviceName?: string;
  /** Replaces the exporter configured from the environment (tests pass an in-memory one). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

let sdk: NodeSDK | undefined;

/** The stable semantic-conventions attribute holding an incoming request's query. */
const URL_QUERY = 'url.query';

/**
 * `requestHook`: an incoming request's `url.query` redacted as the access log redacts it.
 * The instrumentation's own redaction knows a short list of exact, case-sensitive names
 * (`sig`, `Signature`, …), which lets `access_token` or `ACCESS_TOKEN` through.
 */
export function redactSpanQuery(span: Span, request: ClientRequest | IncomingMessage): void {
  if (!(request instanceof IncomingMessage) || request.url === undefined) return;
  const q = request.url.indexOf('?');
  if (q !== -1) span.setAttribute(URL_QUERY, redactQuery(request.url.slice(q + 1)));
}

/** Tracing is on when an exporter is configured, and off when the SDK is explicitly disabled. */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || exporter);
}

/** Starts tracing once per process; answers whether it is on. */
export function startTracing(options: TracingOptions = {}): boolean {
  if (sdk) return true;
  if (!options.spanProcessors && !tracingConfigured(options.env)) return false;
  sdk = new NodeSDK({
    serviceName: options.serviceName,
    // Undefined: the exporter, its protocol and batching come from the OTEL_* environment.
    spanProcessors: options.spanProcessors,
    // Metrics are Prometheus' job (/metrics) and logs go to stdout: traces only.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => isProbeOrScrape(req.url),
        requestHook: redactSpanQuery,
        requireParentforOutgoingSpans: true,
      }),
      // One span per middleware adds noise, not insight; routers and handlers remain.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // requireParentSpan: pool housekeeping and scrape-time checks do not start traces of their own.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // @nestjs/platform-express 12 is an ES module, and an ES module's import of a CommonJS
  // package bypasses the require hook that the instrumentations patch through. Requiring
  // the express that Nest resolves, after the hook is in place, patches the router and
  // application prototypes it shares with that import.
  createRequire(require.resolve('@nestjs/platform-express'))('express');
  return true;
}

/** Exports the spans still buffered and stops tracing; safe to call when it never started. */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
