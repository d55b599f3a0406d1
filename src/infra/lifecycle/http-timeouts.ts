import type { Server } from 'node:http';

/**
 * Load balancers keep idle upstream connections open for up to 60 s (AWS ALB's default idle
 * timeout; the compose nginx keeps client connections 65 s). If the app closed an idle
 * connection first, a request the balancer sends on it at that moment would fail with a
 * reset, so the app waits longer than any balancer in front of it.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The longest a request's headers may take to arrive, counted from its first byte. Behind a
 * balancer they arrive at once; this only stops a client that trickles them (slowloris).
 */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * How often Node looks for requests past their headers or request timeout. Its default,
 * 30 s, would let a 30 s request timeout hold a socket for up to a minute.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Sets the server's timeouts: `requestTimeoutMs` (HTTP_REQUEST_TIMEOUT) bounds how long a
 * whole request, headers and body, may take to arrive; past it Node answers 408 and closes
 * the socket, so a client dribbling its body cannot hold a connection for minutes. The
 * handler's own time does not count: the clock stops once the request has arrived.
 *
 * Since Node 18 the headers and request timeouts run from a request's first byte, not from
 * the previous response, so they need not exceed the keep-alive timeout: an idle keep-alive
 * connection is governed by that alone. Node refuses a headers timeout above the request
 * timeout at createServer (ERR_OUT_OF_RANGE) and it could never fire, so it is capped.
 * Call before `listen`: the checking interval is read when the server starts listening.
 */
export function applyHttpTimeouts(server: Server, requestTimeoutMs: number): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeoutMs);
  // Documented as a createServer option only, which express's server is made without; Node
  // (22 and 24) reads the property when the server starts listening. The process test shows it.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    TIMEOUT_CHECK_INTERVAL_MS,
    requestTimeoutMs,
  );
}
