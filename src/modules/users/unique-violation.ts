/** Unique-constraint violation codes: PostgreSQL, MySQL/MariaDB, SQLite (better-sqlite3). */
const UNIQUE_CODES = new Set(['23505', 'ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** True when a write lost a race against the same unique key (TypeORM wraps the driver error). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return UNIQUE_CODES.has(String(driverError?.code ?? code));
}
