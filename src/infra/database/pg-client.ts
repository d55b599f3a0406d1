import { Client } from 'pg';

/** The message of the error pg raises when a reply has not arrived within `query_timeout` (pg/lib/client.js). */
export const QUERY_READ_TIMEOUT_MESSAGE = 'Query read timeout';

/** True for pg's client-side `query_timeout` error, whether raw or wrapped by TypeORM as `driverError`. */
export function isQueryReadTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { message, driverError } = error as { message?: unknown; driverError?: { message?: unknown } };
  return message === QUERY_READ_TIMEOUT_MESSAGE || driverError?.message === QUERY_READ_TIMEOUT_MESSAGE;
}

/**
 * The pool's client (pg-pool's `Client` option). When a reply misses `query_timeout`, pg
 * fails the query but keeps the connection, with the unanswered statement still its
 * active one: TypeORM hands it back to the pool, and every later query on it queues
 * behind a reply that may never come (a partitioned path, a dead host), each failing only
 * after another full timeout. The state of that session is unknown anyway (the statement
 * may still run and hold its locks), so the connection is destroyed at once: pg reports
 * it ended, TypeORM releases it with that error, the pool drops it, and the next query
 * opens a fresh connection, bounded by `connectionTimeoutMillis`.
 */
export class PgClient extends Client {}

type AnyQuery = (this: Client, ...args: unknown[]) => unknown;
type QueryCallback = (error: unknown, result: unknown) => void;

const query = Reflect.get(Client.prototype, 'query') as AnyQuery;

// Assigned to the prototype rather than declared as a method: pg's typings overload
// `query` nine ways, and this wraps every form the same way.
Object.defineProperty(PgClient.prototype, 'query', {
  configurable: true,
  writable: true,
  value: function queryClosingOnReadTimeout(this: PgClient, ...args: unknown[]): unknown {
    const onError = (error: unknown) => {
      if (isQueryReadTimeout(error)) this.connection.stream.destroy();
    };
    const last = args.length - 1;
    const callback = args[last] as QueryCallback | undefined;
    if (typeof callback === 'function') {
      args[last] = (error: unknown, result: unknown) => {
        if (error) onError(error);
        callback(error, result);
      };
    }
    const result: unknown = Reflect.apply(query, this, args);
    // The caller gets `result` itself and handles its rejection; this branch only watches it.
    if (result instanceof Promise) result.catch(onError);
    return result;
  },
});
