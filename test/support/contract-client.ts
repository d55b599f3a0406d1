import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isProblem, problemCode, type Middleware, type Problem } from '@nest-enterprise-backend/client';
import type { OpenApiContract, RecordedExchange } from './openapi-contract';

export const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.json');

/**
 * Client middleware that holds every answer to the document: the call rejects, naming the
 * violations, when `contract` finds any. Each operation answered is added to `called`
 * as `METHOD /path/{template}`, the form `operationsOf` lists.
 */
export function checkedBy(contract: OpenApiContract, called: Set<string>): Middleware {
  return {
    async onResponse({ request, response, schemaPath }) {
      const exchange: RecordedExchange = {
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.clone().text(),
      };
      called.add(`${request.method} ${schemaPath}`);
      const violations = contract.check(exchange);
      if (violations.length > 0) {
        throw new Error(
          `${exchange.method} ${exchange.path} ${exchange.status} is not what openapi.json says:\n` +
            `${violations.map((v) => `  - ${v}`).join('\n')}\n  body: ${exchange.body.slice(0, 500)}`,
        );
      }
      return undefined;
    },
  };
}

/** Every operation of the document, as `METHOD /path/{template}`. */
export function operationsOf(file = OPENAPI_FILE): string[] {
  const document = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => methods.has(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** What every call of the client resolves to. */
type Answer<D, E> = { data?: D; error?: E; response: Response };

/** The body of an answer with `status`; fails the test with whatever came instead. */
export async function body<D, E>(call: Promise<Answer<D, E>>, status: number): Promise<D> {
  const { data, error, response } = await call;
  expect({ status: response.status, error }).toEqual({ status, error: undefined });
  if (data === undefined) throw new Error(`${response.url} answered ${status} without a body`);
  return data;
}

/** An answer with `status` and no body (204, 202). */
export async function empty<D, E>(call: Promise<Answer<D, E>>, status: number): Promise<void> {
  const { data, error, response } = await call;
  expect({ status: response.status, data, error }).toEqual({ status, data: undefined, error: undefined });
}

/** The problem body of an answer with `status` whose type ends in `code`. */
export async function problem<D, E>(call: Promise<Answer<D, E>>, status: number, code: string): Promise<Problem> {
  const { error, response } = await call;
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (!isProblem(error)) throw new Error(`${response.url} answered ${response.status} without a problem body`);
  expect({ status: response.status, code: problemCode(error) }).toEqual({ status, code });
  expect(error.status).toBe(status);
  return error;
}
