import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * pino `mixin`: the active trace and span ids on every line logged inside a traced
 * request, so a log line leads to its trace and back. Without tracing the API's no-op
 * context holds no span and this adds nothing.
 */
export function traceContextFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return {};
  return { traceId: span.traceId, spanId: span.spanId };
}
