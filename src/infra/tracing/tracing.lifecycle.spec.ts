import { context, propagation, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { traceContextFields } from '@/infra/logging/trace-context';
import { shutdownTracing, startTracing } from './tracing';

/** Keeps every exported span, also after shutdown (the SDK's in-memory exporter forgets them then). */
class RecordingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

describe('startTracing', () => {
  afterEach(async () => {
    await shutdownTracing();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('starts nothing when no exporter is configured', () => {
    expect(startTracing({ env: {} })).toBe(false);
    expect(startTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' } })).toBe(
      false,
    );
    expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false);
  });

  it('records spans, puts their ids on log lines, and exports what is buffered on shutdown', async () => {
    const exporter = new RecordingExporter();

    expect(startTracing({ serviceName: 'users-api', spanProcessors: [new BatchSpanProcessor({ exporter })] })).toBe(
      true,
    );
    const ids = trace.getTracer('test').startActiveSpan('work', (span) => {
      const fields = traceContextFields();
      span.end();
      return { fields, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
    });

    expect(ids.fields).toEqual({ traceId: ids.traceId, spanId: ids.spanId });
    expect(exporter.spans).toEqual([]);
    await shutdownTracing();
    const [span] = exporter.spans;
    expect(span.name).toBe('work');
    expect(span.resource.attributes['service.name']).toBe('users-api');
  });

  it('starts once per process', () => {
    const first = new RecordingExporter();
    const second = new RecordingExporter();
    startTracing({ spanProcessors: [new BatchSpanProcessor({ exporter: first })] });

    expect(startTracing({ spanProcessors: [new BatchSpanProcessor({ exporter: second })] })).toBe(true);
    expect(startTracing({ env: {} })).toBe(true);
  });

  it('shuts down quietly when tracing never started', async () => {
    await expect(shutdownTracing()).resolves.toBeUndefined();
  });
});
