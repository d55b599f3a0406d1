/**
 * A middleware, mounted before everything else in the e2e apps, that records each answer and
 * checks it against the OpenAPI document once it is sent. The body is copied as it is
 * written: what the client receives, and when, is unchanged (streams included). It sees the
 * Node.js request and response, as middleware does on either platform.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pathOf } from '@/common/http/platform';
import type { ContractViolations } from './contract-violations';
import type { OpenApiContract, RecordedExchange } from './openapi-contract';

/** `served`: the paths the app answers from the document (all when omitted); others are not checked. */
export function recordExchanges(contract: OpenApiContract, violations: ContractViolations, served?: RegExp) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    // Read now: express's routers rewrite req.url on the way down. Fastify's requests have no
    // `path`; the Node.js request's url is the one both platforms route.
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    if (served && !served.test(path)) {
      next();
      return;
    }
    const chunks: Buffer[] = [];
    const capture = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string') {
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      } else if (chunk instanceof Uint8Array) {
        chunks.push(Buffer.from(chunk));
      }
    };

    // Fastify passes its headers to writeHead, which sends them without keeping them on the response.
    const headed: OutgoingHttpHeaders = {};
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const headers = args.find((arg) => typeof arg === 'object' && arg !== null);
      const pairs = Array.isArray(headers)
        ? (headers as unknown[]).flatMap((_, i, all) => (i % 2 === 0 ? [[all[i], all[i + 1]]] : []))
        : Object.entries(headers ?? {});
      for (const [name, value] of pairs) headed[String(name).toLowerCase()] = value as OutgoingHttpHeaders[string];
      return Reflect.apply(writeHead, this, args) as ServerResponse;
    };

    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, ...args: unknown[]) {
      capture(args[0], args[1]);
      return Reflect.apply(write, this, args) as boolean;
    } as ServerResponse['write'];

    let flushed: (() => void) | undefined;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      if (typeof args[0] !== 'function') capture(args[0], args[1]);
      flushed ??= violations.flushStarted();
      return Reflect.apply(end, this, args) as ServerResponse;
    } as ServerResponse['end'];

    res.once('finish', () => {
      try {
        const exchange: RecordedExchange = {
          method,
          path,
          status: res.statusCode,
          headers: stringValues({ ...res.getHeaders(), ...headed }),
          body: carriesBody(method, res.statusCode) ? Buffer.concat(chunks).toString('utf8') : '',
        };
        const problems = contract.check(exchange);
        if (problems.length > 0) {
          violations.add({ exchange, operation: contract.operation(method, path) ?? '', problems });
        }
      } catch (error) {
        // A fault of the checker must not become an uncaught exception in the app under test.
        const exchange = { method, path, status: res.statusCode, headers: {}, body: '' };
        violations.add({ exchange, operation: '', problems: [`checker: ${(error as Error).stack}`] });
      } finally {
        flushed?.();
      }
    });
    res.once('close', () => flushed?.());
    next();
  };
}

/** Node sends no body for HEAD, 1xx, 204 and 304, whatever the handler wrote. */
function carriesBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

function stringValues(headers: OutgoingHttpHeaders): RecordedExchange['headers'] {
  const out: RecordedExchange['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = typeof value === 'number' ? String(value) : value;
  }
  return out;
}
