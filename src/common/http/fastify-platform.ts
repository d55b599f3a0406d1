import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { linkPlatformRequest, pathOf } from './platform';
import { MethodNotAllowedProblem } from './problem';
import { requestIdFor } from './request-id';
import { sortMethods } from './route-methods';
import type { RoutedRequest } from './route-template';

/** What the fastify adapter needs to know before the application exists. */
export interface FastifyPlatformOptions {
  /** TRUST_PROXY, in the forms express and fastify both take (proxy-addr's). */
  trustProxy: false | number | string[];
  /** Whether the CORS hook answers OPTIONS on every path (an origin is allowed). */
  answersPreflight: boolean;
}

/**
 * Routing as express does it, so that a path means the same on both platforms: case does not
 * matter, nor does a trailing slash, and a route parameter has no length limit of its own
 * (fastify would answer one over its limit with a bare 414, before any hook): the URL's is
 * the only one, Node.js's limit on the request head.
 */
const ROUTER_OPTIONS = {
  caseSensitive: false,
  ignoreTrailingSlash: true,
  maxParamLength: Number.MAX_SAFE_INTEGER,
} as const;

/**
 * The fastify adapter (HTTP_ADAPTER=fastify), set up so that the middleware configureApp
 * installs behaves as it does on express:
 *
 * - the request id is ours (X-Request-Id or a new UUID), also as fastify's `request.id`;
 * - the middleware's request context is fastify's request (client address, caller), and the
 *   Node.js request carries, once the route runs, its template for logs, metrics and the
 *   trace's server span, as express's does;
 * - the body is parsed by the same body-parser middleware as on express (fastify takes the
 *   parsed body as it is), so limits, charsets, encodings and their problems are the same;
 * - a known path asked with a method none of its routes takes is a 405 with Allow, as
 *   MethodNotAllowedHandler makes it on express, rather than fastify's 404;
 * - a path that is not valid percent-encoding goes through the middleware to the problem
 *   express answers it with (see {@link UNDECODABLE}), rather than fastify's bare 400.
 */
export function createFastifyAdapter(options: FastifyPlatformOptions): FastifyAdapter {
  // The router's options need the instance the adapter makes from them: it routes the undecodable.
  const owner: { instance?: FastifyInstance } = {};
  const adapter = new FastifyAdapter({
    trustProxy: trustedHops(options.trustProxy),
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    routerOptions: {
      ...ROUTER_OPTIONS,
      onBadUrl: (_path: string, req: IncomingMessage, res: ServerResponse) =>
        routeUndecodable(owner.instance!, req, res),
    },
    logger: false,
  });
  const instance = adapter.getInstance<FastifyInstance>();
  owner.instance = instance;
  const routes = new FastifyRouteMethods(options.answersPreflight ? ['OPTIONS'] : []);
  instance.addHook('onRoute', (route) => routes.add(route.method, route.url));
  instance.addHook('onRequest', (request, _reply, done) => {
    // Middleware sees the Node.js request; its request context is the one routes see.
    linkPlatformRequest(request.raw, request);
    done();
  });
  instance.addHook('preHandler', (request, _reply, done) => {
    enterRoute(request);
    done();
  });
  // After the middleware (request id, logs, metrics, headers), as on express.
  instance.addHook('preValidation', (request, _reply, done) => {
    const undecodable = undecodableSegmentOf(request.raw);
    if (undecodable !== undefined) return done(new BadRequestException(`Failed to decode param '${undecodable}'`));
    if (!request.is404) return done();
    const allow = routes.allowedOn(request.url.split('?')[0]);
    if (allow.length === 0 || allow.includes(request.method)) return done();
    done(new MethodNotAllowedProblem(request.method, request.url.split('?')[0], allow));
  });
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (request, _payload, done) => {
    done(null, (request.raw as IncomingMessage & { body?: unknown }).body);
  });
  return adapter;
}

/** TRUST_PROXY as fastify's option: a hop count as the function proxy-addr makes of one on express. */
function trustedHops(
  trust: false | number | string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/**
 * Requests whose path fastify's router and middleware engine cannot decode (`/%zz`). Fastify
 * would answer them itself, before any hook, with a JSON body of its own and none of the
 * middleware's headers, log line or metrics. They are routed instead with a stand-in path
 * that decodes (each undecodable segment's `%` escaped), so that they take the way every
 * request takes; `originalUrl`, to which the middleware engine resets `url` before each
 * middleware, stays the URL as it arrived, so the middleware and the problem see that one.
 * The route then refuses them before its handler, as express's router does: 400, naming the
 * first path segment that does not decode, with no route template of their own.
 */
const UNDECODABLE = new WeakSet<IncomingMessage>();

function routeUndecodable(instance: FastifyInstance, req: IncomingMessage, res: ServerResponse): void {
  if (UNDECODABLE.has(req)) {
    // The stand-in was refused too (an absolute-form target the router cannot read): any
    // path will do, the middleware refuses the URL as it arrived.
    req.url = '/';
  } else {
    const arrived = req.url ?? '/';
    UNDECODABLE.add(req);
    Object.defineProperty(req, 'originalUrl', { get: () => arrived, set: () => undefined, configurable: true });
    const path = pathOf(arrived);
    req.url = path.split('/').map(decodableSegment).join('/') + arrived.slice(path.length);
  }
  instance.routing(req, res);
}

function decodableSegment(segment: string): string {
  return isDecodable(segment) ? segment : segment.replaceAll('%', '%25');
}

function isDecodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/** The first path segment of an undecodable request (see {@link UNDECODABLE}); undefined for any other. */
function undecodableSegmentOf(raw: IncomingMessage & { originalUrl?: string }): string | undefined {
  if (!UNDECODABLE.has(raw)) return undefined;
  return pathOf(raw.originalUrl)
    .split('/')
    .find((segment) => !isDecodable(segment));
}

/**
 * Names the route on the Node.js request once the route is about to run, as express does when
 * it enters a route: a request refused before (its body, its method, its path) stays
 * `unmatched` in logs and metrics on both platforms.
 */
function enterRoute(request: FastifyRequest): void {
  const template = request.routeOptions.url;
  if (request.is404 || template === undefined) return;
  (request.raw as RoutedRequest).route = { path: template };
  // The trace's server span is named after the route, as express's instrumentation names it.
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type === RPCType.HTTP) rpc.route = template;
}

/** The methods fastify's routes take on a path, matched by a router of the same kind and options. */
class FastifyRouteMethods {
  private readonly router = FindMyWay({ ...ROUTER_OPTIONS, defaultRoute: () => undefined });
  private readonly methods = new Set<string>();

  constructor(private readonly alsoAnswered: readonly string[]) {}

  add(method: string | string[], url: string): void {
    for (const one of [method].flat()) {
      // Nest's catch-all routes (a not-found or OPTIONS handler) say nothing about a path.
      if (url === '*' || url === '/*') continue;
      this.router.on(one as HTTPMethod, url, () => undefined);
      this.methods.add(one);
    }
  }

  allowedOn(path: string): string[] {
    const allowed = [...this.methods].filter((method) => this.router.find(method as HTTPMethod, path) !== null);
    if (allowed.length === 0) return [];
    return sortMethods([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), ...this.alsoAnswered]);
  }
}
