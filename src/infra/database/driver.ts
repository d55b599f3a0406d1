/**
 * What the service knows about each database driver, in one place: which store a
 * DATABASE_URL selects. It imports nothing, so the config schema, the entity column types
 * (chosen as the entity files load) and the plain-Node migration script can all read it.
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
