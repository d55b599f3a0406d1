import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { REQUEST_ID_HEADER } from '@/common/http/request-id';
import { captureLogLines } from '@test/support/log-lines';
import { requestContextFields } from './request-context';
import { requestLogging } from './request-logging';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A pino logger writing into an array, synchronously, so a line is there once the request is. */
function capture(level: string) {
  const { lines, stream } = captureLogLines();
  return { lines, logger: pino({ level }, stream) };
}

describe('requestLogging', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  let log: ReturnType<typeof capture>;
  let closed: Promise<unknown>;

  async function serve(level: string): Promise<void> {
    log = capture(level);
    const sut = requestLogging(log.logger);
    server = createServer((req, res) => {
      closed = once(res, 'close');
      sut(req, res, () => handler(req, res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Answers, then waits for the server side of the exchange to close (where the line is written). */
  async function call(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${path}`, { headers });
    await res.arrayBuffer();
    await closed;
    return res;
  }

  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  it('ends a request with one line: id, method, url, route, status and duration, and no headers', async () => {
    await serve('info');
    handler = (req, res) => {
      (req as IncomingMessage & { route: { path: string } }).route = { path: '/api/v1/things/:id' };
      res.end('{}');
    };
    const res = await call('/api/v1/things/7?x=1', { 'X-Request-Id': 'req-42', Authorization: 'Bearer secret' });

    expect(res.headers.get(REQUEST_ID_HEADER)).toBe('req-42');
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        requestId: 'req-42',
        req: { id: 'req-42', method: 'GET', url: '/api/v1/things/7?x=1' },
        res: { statusCode: 200 },
        route: '/api/v1/things/:id',
        durationMs: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(log.lines)).not.toMatch(/secret|authorization/i);
  });

  it('redacts the values of credential query parameters in the url, and keeps the others', async () => {
    await serve('info');
    handler = (_req, res) => res.end();
    await call('/api/v1/things?access_token=secret123&page=2&SIG=abc');

    expect(log.lines).toEqual([
      expect.objectContaining({
        req: expect.objectContaining({ url: '/api/v1/things?access_token=[REDACTED]&page=2&SIG=[REDACTED]' }),
      }),
    ]);
    expect(JSON.stringify(log.lines)).not.toMatch(/secret123|abc/);
  });

  it('gives every request an id of its own when the caller sends none', async () => {
    await serve('info');
    handler = (_req, res) => res.end();
    const first = await call('/a');
    const second = await call('/a');

    const ids = [first, second].map((r) => r.headers.get(REQUEST_ID_HEADER));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(log.lines.map((l) => l.requestId)).toEqual(ids);
  });

  it('logs a server error at error level and an unrouted request as unmatched', async () => {
    await serve('info');
    handler = (_req, res) => {
      res.statusCode = 503;
      res.end();
    };
    await call('/anything');

    expect(log.lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 503 }, route: 'unmatched' }),
    ]);
  });

  it('logs a request the client abandoned as aborted', async () => {
    await serve('info');
    const arrived = new Promise<void>((resolve) => {
      handler = () => resolve();
    });
    const controller = new AbortController();
    const request = fetch(`${url}/slow`, { signal: controller.signal }).catch(() => undefined);
    await arrived;
    controller.abort();
    await request;
    await closed;

    expect(log.lines).toEqual([expect.objectContaining({ level: 40, msg: 'request aborted' })]);
  });

  it('keeps probes and scrapes out of an info log, and logs them at debug', async () => {
    await serve('info');
    const contexts: unknown[] = [];
    handler = (_req, res) => {
      contexts.push(requestContextFields());
      res.end();
    };
    const probe = await call('/health/live');
    await call('/metrics');
    expect(probe.headers.get(REQUEST_ID_HEADER)).toEqual(expect.any(String));
    expect(log.lines).toEqual([]);
    // Unlogged probes skip the request context as well: nothing they do logs per request.
    expect(contexts).toEqual([{}, {}]);

    server.closeAllConnections();
    server.close();
    await serve('debug');
    await call('/health/ready?full=1', { 'X-Request-Id': 'probe-1' });
    expect(log.lines).toEqual([expect.objectContaining({ level: 20, requestId: 'probe-1' })]);
  });

  it('writes nothing at all above info', async () => {
    await serve('warn');
    handler = (_req, res) => res.end();
    await call('/api/v1/things');
    expect(log.lines).toEqual([]);
  });

  it('serves the request inside its id, so lines logged meanwhile can carry it', async () => {
    await serve('info');
    const seen: Array<string | undefined> = [];
    handler = (_req, res) => {
      setImmediate(() => {
        seen.push(requestContextFields().requestId);
        res.end();
      });
    };
    await call('/api/v1/things', { 'X-Request-Id': 'ctx-1' });
    seen.push(requestContextFields().requestId);

    expect(seen).toEqual(['ctx-1', undefined]);
  });
});
