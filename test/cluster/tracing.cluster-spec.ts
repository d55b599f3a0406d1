import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AppProcess, startApp } from '@tools/app-process';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { freshDatabase, TestDatabase } from '@test/support/database';

/**
 * Tracing in a real process of the built app, exporting over OTLP/HTTP (JSON) to a
 * receiver run by this test: it proves the SDK starts before Nest loads http, express
 * and pg, and that it is configured by the standard OTEL_* variables alone.
 */

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

const SPAN_KIND_SERVER = 2;

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpSpan = Omit<ExportedSpan, 'scope' | 'attributes'> & { attributes?: { key: string; value: OtlpValue }[] };
interface OtlpTraces {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

/** A minimal OTLP/HTTP trace receiver keeping every span it is sent. */
async function startReceiver(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as OtlpTraces;
        for (const { scopeSpans } of body.resourceSpans) {
          for (const { scope, spans: list } of scopeSpans) {
            for (const span of list) {
              const attributes = Object.fromEntries(
                (span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
              );
              spans.push({ ...span, parentSpanId: span.parentSpanId || undefined, scope: scope.name, attributes });
            }
          }
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${port}`, spans, server };
}

describe('tracing (OpenTelemetry, real process)', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let db: TestDatabase;
  let app: AppProcess;

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await freshDatabase();
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: 'tracing-under-test',
      },
    });
    await app.waitUntilReady();
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    receiver?.server.close();
  });

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

  it('continues an incoming traceparent, with a server span and child database spans, and logs its trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const requestId = `trace-${randomUUID()}`;
    const res = await fetch(`${app.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'X-Request-Id': requestId,
      },
      body: JSON.stringify({ email: `${randomUUID()}@example.com`, password: 'correct-horse-battery', name: 'T' }),
    });
    expect(res.status).toBe(201);

    const server = await waitFor(() => spansOf(traceId).find((s) => s.kind === SPAN_KIND_SERVER), {
      timeoutMs: 15_000,
      what: 'the server span',
    });
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attributes['http.route']).toBe('/api/v1/auth/register');

    const descendsFrom = (ancestor: ExportedSpan, span: ExportedSpan, byId: Map<string, ExportedSpan>): boolean => {
      for (let s: ExportedSpan | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) {
        if (s.spanId === ancestor.spanId) return true;
      }
      return false;
    };
    // The INSERT of the new user, and the queries around it, as descendants of the request's span.
    const queries = await waitFor(
      async () => {
        const spans = spansOf(traceId);
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        const children = spans.filter(
          (s) => s.scope === '@opentelemetry/instrumentation-pg' && descendsFrom(server, s, byId),
        );
        const statement = (q: ExportedSpan) => String(q.attributes['db.statement'] ?? q.attributes['db.query.text']);
        return children.some((q) => /^INSERT/i.test(statement(q))) ? children : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.attributes['db.system'] ?? q.attributes['db.system.name']).toBe('postgresql');

    const line = await app.waitForOutput(new RegExp(`"requestId":"${requestId}".*"request completed"`), 5_000);
    expect(JSON.parse(line)).toMatchObject({ requestId, traceId, route: '/api/v1/auth/register' });
    expect(JSON.parse(line).spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('starts a new trace for a request without a traceparent', async () => {
    const requestId = `trace-${randomUUID()}`;
    const res = await fetch(`${app.url}/api/v1/users/me`, { headers: { 'X-Request-Id': requestId } });
    expect(res.status).toBe(401);
    const line = JSON.parse(await app.waitForOutput(new RegExp(`"requestId":"${requestId}".*"request completed"`)));
    expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor(() => spansOf(line.traceId).find((s) => s.kind === SPAN_KIND_SERVER), {
      timeoutMs: 15_000,
      what: 'its span',
    });
    expect(spansOf(line.traceId).find((s) => s.kind === SPAN_KIND_SERVER)?.parentSpanId).toBeUndefined();
  });

  it('does not trace health probes and scrapes', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    expect((await fetch(`${app.url}/health/ready`, { headers: { traceparent } })).status).toBe(200);
    expect((await fetch(`${app.url}/metrics`, { headers: { traceparent } })).status).toBe(200);
    // A traced request after them: once its span is exported, theirs would have been too.
    const marker = randomBytes(16).toString('hex');
    await fetch(`${app.url}/api/v1/users/me`, {
      headers: { traceparent: `00-${marker}-${randomBytes(8).toString('hex')}-01` },
    });
    await waitFor(() => spansOf(marker).find((s) => s.kind === SPAN_KIND_SERVER), {
      timeoutMs: 15_000,
      what: 'the marker span',
    });
    expect(spansOf(traceId)).toEqual([]);
  });
});
