import { types } from 'node:util';

/**
 * What the service knows about each database driver, in one place: which store a
 * DATABASE_URL selects, and what a driver's error means. It imports nothing of the
 * service's own and sits in the lowest layer, beside the configuration it reads, so the
 * config schema, the entity column types (chosen as the entity files load), the error
 * filter and the migration script can all read it without an upward import.
 */

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/** Server URL schemes, as `URL#protocol` spells them (lower case, with the colon). */
const SERVER_KIND_BY_PROTOCOL = new Map<string, DatabaseKind>([
  ['postgres:', 'postgres'],
  ['postgresql:', 'postgres'],
  ['mysql:', 'mysql'],
  ['mariadb:', 'mysql'],
]);

function protocolOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

/**
 * The store a DATABASE_URL selects: the embedded SQLite file when it is unset, empty or
 * `sqlite:<file>`; PostgreSQL for `postgres://` and `postgresql://`; MySQL for `mysql://`
 * and `mariadb://` (MariaDB speaks the MySQL protocol). Undefined for anything else, which
 * the config schema refuses.
 */
export function databaseKindOf(url: string | undefined): DatabaseKind | undefined {
  const value = url?.trim() ?? '';
  if (value === '' || value.startsWith('sqlite:')) return 'sqlite';
  const protocol = protocolOf(value);
  return protocol === undefined ? undefined : SERVER_KIND_BY_PROTOCOL.get(protocol);
}

/** True for a URL naming a PostgreSQL or MySQL server, which can have read replicas. */
export function isServerUrl(url: string | undefined): boolean {
  const kind = databaseKindOf(url);
  return kind === 'postgres' || kind === 'mysql';
}

/**
 * A unique key already taken: PostgreSQL's SQLSTATE 23505, MySQL/MariaDB's ER_DUP_ENTRY,
 * and better-sqlite3's codes for a unique index and a primary key.
 */
const UNIQUE_VIOLATION_CODES = new Set([
  '23505',
  'ER_DUP_ENTRY',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** True when a write lost a race against the same unique key (TypeORM wraps the driver error). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return UNIQUE_VIOLATION_CODES.has(String(driverError?.code ?? code));
}

/** Driver error codes that mean "the database is unreachable or overloaded", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST', // mysql2
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '57014',
  '53300', // PostgreSQL
]);
/**
 * The same, for the pg, pg-pool and mysql2 pool errors that carry no code. `Query read
 * timeout` is pg's query_timeout: no reply within DATABASE_STATEMENT_TIMEOUT and a margin.
 */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Pool is closed|Query read timeout|not queryable/i;

/**
 * An Error, from this realm or another: under Jest the errors Node itself raises (a refused
 * socket) are not instances of the test's Error (https://github.com/jestjs/jest/issues/2549).
 */
const isError = (value: unknown): value is Error => value instanceof Error || types.isNativeError(value);

/** PostgreSQL's SQLSTATE read_only_sql_transaction: a write sent to a hot standby, or with default_transaction_read_only on. */
const PG_READ_ONLY = '25006';
/**
 * MySQL/MariaDB's ER_OPTION_PREVENTS_STATEMENT (1290) names the option in its message;
 * only `--read-only` / `--super-read-only` (a replica, or a primary fenced off) means the
 * server refuses writes for now. The same code for `--secure-file-priv` is a bug, not an outage.
 */
const MYSQL_OPTION_PREVENTS_STATEMENT = 'ER_OPTION_PREVENTS_STATEMENT';
const MYSQL_READ_ONLY_OPTION = /--(super-)?read-only/i;

/**
 * True when a write was refused because the server accepts no writes right now: during a
 * failover the database address can name a standby not yet promoted. Worth retrying once
 * the address points at the new primary, so it is an outage (a 503), never a 500.
 */
export function isDatabaseReadOnly(error: unknown): boolean {
  if (!isError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === PG_READ_ONLY) return true;
  return code === MYSQL_OPTION_PREVENTS_STATEMENT && MYSQL_READ_ONLY_OPTION.test(error.message);
}

/** True when an error says the database cannot answer now (a 503 worth retrying), rather than that the request failed. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isError(error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
    UNAVAILABLE_MESSAGE.test(error.message) ||
    isDatabaseReadOnly(error)
  );
}
