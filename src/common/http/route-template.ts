import type { IncomingMessage } from 'node:http';

export type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/** Label for a request no handler matched: unknown paths must never become label values. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The matched route template (`/api/v1/users/:id`), never the raw path with its ids, so
 * logs group by endpoint and metric label sets stay bounded. Read it once the response
 * is finished: express sets `req.route` when a route handler is dispatched.
 */
export function routeTemplateOf(req: RoutedRequest): string {
  const path = req.route?.path;
  // The logging middleware is mounted on a catch-all route; seeing it means no handler matched.
  return path && !path.includes('*') ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}
