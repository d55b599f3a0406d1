import type { Span } from '@opentelemetry/api';
import { ClientRequest, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { automock } from '@test/support/automock';
import { redactSpanQuery, tracingConfigured } from './tracing';

describe('tracingConfigured', () => {
  it('is off without an exporter', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
  });

  it('is on with an OTLP endpoint or an explicit traces exporter', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });

  it('stays off when the SDK is disabled or the exporter is "none"', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingConfigured({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingConfigured({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});

describe('redactSpanQuery', () => {
  const incoming = (url: string) => Object.assign(new IncomingMessage(new Socket()), { url });
  const recordingSpan = () => {
    const attributes: Record<string, unknown> = {};
    const span: Span = automock<Span>('Span', {
      setAttribute: (key, value) => {
        attributes[key] = value;
        return span;
      },
    });
    return { span, attributes };
  };

  it("sets an incoming request's url.query with credential values redacted", () => {
    const { span, attributes } = recordingSpan();

    redactSpanQuery(span, incoming('/api/v1/things?ACCESS_TOKEN=secret123&page=2'));

    expect(attributes).toEqual({ 'url.query': 'ACCESS_TOKEN=[REDACTED]&page=2' });
  });

  it('leaves a request without a query, and an outgoing request, alone', () => {
    const { span, attributes } = recordingSpan();

    redactSpanQuery(span, incoming('/api/v1/things'));
    redactSpanQuery(span, automock(ClientRequest));

    expect(attributes).toEqual({});
  });
});
