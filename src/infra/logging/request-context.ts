import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A request as the context holds it, the one routes see (see `platformRequestOf`): its id
 * (set by `assignRequestId`), and, once the platform and the JWT guard have seen it, the
 * client address (`req.ip`, which honours TRUST_PROXY) and the signed-in caller (`req.user`).
 */
export interface ContextRequest {
  readonly id?: unknown;
  readonly ip?: string;
  readonly socket: { readonly remoteAddress?: string };
  readonly user?: { readonly id?: unknown };
}

/**
 * The request being served, for every line logged while serving it: services log through
 * Nest's `Logger` without a request at hand, and the root logger's mixin reads the id from
 * here. The request itself is the store, so entering the context allocates nothing, and
 * what a line needs is read from it only when such a line is written.
 */
const requestContext = new AsyncLocalStorage<ContextRequest>();

export function runInRequestContext(req: ContextRequest, next: () => void): void {
  requestContext.run(req, next);
}

/**
 * Runs `work` outside any request: background work that a request merely wakes (the job
 * poller) would otherwise carry that request's id into its log lines, and its statements
 * would count as the request's.
 */
export function outsideRequestContext<T>(work: () => T): T {
  return requestContext.exit(work);
}

/** `{ requestId }` inside a request, `{}` outside (boot, timers, shutdown). */
export function requestContextFields(): { requestId?: string } {
  const id = requestContext.getStore()?.id;
  return typeof id === 'string' ? { requestId: id } : {};
}

/** Who is asking: the client address and, once authenticated, the caller's user id; `{}` outside a request. */
export function requestClientFields(): { ip?: string; actorId?: string } {
  const req = requestContext.getStore();
  if (req === undefined) return {};
  const actorId = req.user?.id;
  return {
    ip: req.ip ?? req.socket.remoteAddress,
    ...(typeof actorId === 'string' ? { actorId } : {}),
  };
}
