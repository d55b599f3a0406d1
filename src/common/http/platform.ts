import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** The HTTP platform Nest runs on (HTTP_ADAPTER): express by default, or fastify. */
export type HttpAdapterName = 'express' | 'fastify';

/**
 * What routes, guards, interceptors and the exception filter read of a request: the part
 * an express request and a fastify request share, so that none of them depends on the
 * platform. Middleware sees the Node.js request itself (see {@link nodeRequestOf}).
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  /** The URL as it arrived, query string included (express rewrites `url` in routers). */
  readonly originalUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: unknown;
  readonly params: Readonly<Record<string, unknown>>;
  readonly query: unknown;
  /** The client address as TRUST_PROXY resolves it. */
  readonly ip?: string;
  readonly socket: { readonly remoteAddress?: string };
  /** The request id (X-Request-Id), assigned before any route runs. */
  readonly id?: unknown;
}

/**
 * What they write of a response: express's `Response` and fastify's `FastifyReply` both have
 * these, with the same meaning.
 */
export interface HttpReply {
  readonly statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  send(body?: unknown): unknown;
}

/** The Node.js request under a platform's request: fastify wraps it (`raw`), express extends it. */
export function nodeRequestOf(req: object): IncomingMessage {
  return rawOf(req) as IncomingMessage;
}

/** The Node.js response under a platform's reply (see {@link nodeRequestOf}). */
export function nodeResponseOf(res: object): ServerResponse {
  return rawOf(res) as ServerResponse;
}

function rawOf(wrapper: object): object {
  const { raw } = wrapper as { raw?: unknown };
  return typeof raw === 'object' && raw !== null ? raw : wrapper;
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const PLATFORM_REQUEST = Symbol('platform request');

/** Links the Node.js request to the platform's request around it (fastify's; express has none). */
export function linkPlatformRequest(raw: IncomingMessage, request: object): void {
  (raw as IncomingMessage & { [PLATFORM_REQUEST]?: object })[PLATFORM_REQUEST] = request;
}

/**
 * The request routes and guards see, from the Node.js request middleware sees: fastify's
 * wrapper once fastify made one (linked by {@link linkPlatformRequest}), else the request
 * itself (express extends the Node.js request).
 */
export function platformRequestOf(raw: IncomingMessage): object {
  return (raw as IncomingMessage & { [PLATFORM_REQUEST]?: object })[PLATFORM_REQUEST] ?? raw;
}
