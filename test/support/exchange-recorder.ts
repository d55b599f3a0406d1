/**
 * An express middleware, mounted before everything else in the e2e apps, that records each
 * answer and checks it against the OpenAPI document once it is sent. The body is copied as
 * it is written: what the client receives, and when, is unchanged (streams included).
 */
import type { NextFunction, Request, Response } from 'express';
import type { OutgoingHttpHeaders } from 'node:http';
import type { ContractViolations } from './contract-violations';
import type { OpenApiContract, RecordedExchange } from './openapi-contract';

/** `served`: the paths the app answers from the document (all when omitted); others are not checked. */
export function recordExchanges(contract: OpenApiContract, violations: ContractViolations, served?: RegExp) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (served && !served.test(req.path)) {
      next();
      return;
    }
    // Read now: routers rewrite req.url on the way down.
    const { method, path } = req;
    const chunks: Buffer[] = [];
    const capture = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk === 'string') {
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      } else if (chunk instanceof Uint8Array) {
        chunks.push(Buffer.from(chunk));
      }
    };

    const write = res.write;
    const end = res.end;
    res.write = function (this: Response, ...args: unknown[]) {
      capture(args[0], args[1]);
      return Reflect.apply(write, this, args) as boolean;
    } as Response['write'];

    let flushed: (() => void) | undefined;
    res.end = function (this: Response, ...args: unknown[]) {
      if (typeof args[0] !== 'function') capture(args[0], args[1]);
      flushed ??= violations.flushStarted();
      return Reflect.apply(end, this, args) as Response;
    } as Response['end'];

    res.once('finish', () => {
      try {
        const exchange: RecordedExchange = {
          method,
          path,
          status: res.statusCode,
          headers: stringValues(res.getHeaders()),
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
