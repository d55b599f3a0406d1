import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A caller's id is kept only if it is short and plain, so it cannot inject into logs or headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

type IdentifiedRequest = IncomingMessage & { id?: unknown };

/**
 * The request's id: the caller's if sane, else a new UUID, kept on the request so that every
 * later reader gets the same one. Fastify asks for it (`genReqId`) before any hook runs.
 */
export function requestIdFor(req: IdentifiedRequest): string {
  if (typeof req.id === 'string') return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  return id;
}

/**
 * Picks the request id and echoes it on the response. The request logger calls it first
 * thing, so the id on the response, in every log line of the request and in an error body
 * is one and the same.
 */
export function assignRequestId(req: IdentifiedRequest, res: ServerResponse): string {
  const id = requestIdFor(req);
  if (!res.hasHeader(REQUEST_ID_HEADER)) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id assigned by {@link assignRequestId}; falls back to a fresh one for requests that bypassed it. */
export function requestIdOf(req: { id?: unknown }): string {
  return typeof req.id === 'string' ? req.id : randomUUID();
}
