import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  isProblem,
  problemCode,
  type Client,
  type Problem,
  type ResolvedRequestOptions,
} from '@nest-enterprise-backend/client';
import type { OpenApiContract, RecordedExchange } from './openapi-contract';

export const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.json');

/** An answer of the service that openapi.json does not describe. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/**
 * Holds every answer a client receives to the document, through a response interceptor of
 * the client: an answer with violations becomes the `error` of its call (the helpers below
 * rethrow it) and is kept, for `takeViolations()` to fail the test with even when nothing
 * looked at the call's result. Each operation answered is added to `called` as
 * `METHOD /path/{template}`, the form `operationsOf` lists.
 */
export class ClientContractCheck {
  readonly called = new Set<string>();
  private violations: string[] = [];

  constructor(private readonly contract: OpenApiContract) {}

  /** `client`, its answers checked from now on. */
  install(client: Client): Client {
    client.interceptors.response.use(this.check);
    return client;
  }

  /** The violations found since the last call, cleared. */
  takeViolations(): string[] {
    return this.violations.splice(0);
  }

  private readonly check = async (
    response: Response,
    request: Request,
    options: ResolvedRequestOptions,
  ): Promise<Response> => {
    const exchange: RecordedExchange = {
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.clone().text(),
    };
    // `url` is the operation's path template, as the SDK function passed it.
    this.called.add(`${request.method} ${options.url}`);
    const violations = this.contract.check(exchange);
    if (violations.length === 0) return response;
    const report =
      `${exchange.method} ${exchange.path} ${exchange.status} is not what openapi.json says:\n` +
      `${violations.map((v) => `  - ${v}`).join('\n')}\n  body: ${exchange.body.slice(0, 500)}`;
    this.violations.push(report);
    throw new ContractViolation(report);
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

/** What every SDK function resolves to (with the client's default `responseStyle: 'fields'`). */
type Answer = { data: unknown; error: unknown; response?: Response };

/** The response of an answer; an error the client raised itself (a violation, the network) fails the test. */
async function answer<A extends Answer>(call: Promise<A>): Promise<A & { response: Response }> {
  const result = await call;
  if (result.error instanceof Error) throw result.error;
  if (!result.response) throw new Error('the call got no response');
  return result as A & { response: Response };
}

/** The body of an answer with `status`; fails the test with whatever came instead. */
export async function body<A extends Answer>(call: Promise<A>, status: number): Promise<Exclude<A['data'], undefined>> {
  const { data, error, response } = await answer(call);
  expect({ status: response.status, error }).toEqual({ status, error: undefined });
  if (data === undefined) throw new Error(`${response.url} answered ${status} without a body`);
  return data as Exclude<A['data'], undefined>;
}

/** An answer with `status` and no body (204, 202). */
export async function empty<A extends Answer>(call: Promise<A>, status: number): Promise<void> {
  const { error, response } = await answer(call);
  expect({ status: response.status, error, contentType: response.headers.get('content-type') }).toEqual({
    status,
    error: undefined,
    contentType: null,
  });
}

/** The problem body of an answer with `status` whose type ends in `code`. */
export async function problem<A extends Answer>(call: Promise<A>, status: number, code: string): Promise<Problem> {
  const { error, response } = await answer(call);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (!isProblem(error)) throw new Error(`${response.url} answered ${response.status} without a problem body`);
  expect({ status: response.status, code: problemCode(error) }).toEqual({ status, code });
  expect(error.status).toBe(status);
  return error;
}
