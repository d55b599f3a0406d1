import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the request being served, for every line logged while serving it: services
 * log through Nest's `Logger` without a request at hand, and the root logger's mixin reads
 * the id from here. A plain string, so entering the context allocates nothing.
 */
const requestContext = new AsyncLocalStorage<string>();

export function runInRequestContext(requestId: string, next: () => void): void {
  requestContext.run(requestId, next);
}

/** `{ requestId }` inside a request, `{}` outside (boot, timers, shutdown). */
export function requestContextFields(): { requestId?: string } {
  const requestId = requestContext.getStore();
  return requestId === undefined ? {} : { requestId };
}
