import type { ColumnOptions } from 'typeorm';
import { databaseKindOf } from '@/config/database-driver';

/**
 * Column types that differ per driver, chosen once from DATABASE_URL when the entity
 * files load (main.ts reads .env before importing the app). Entities and the per-driver
 * migrations must agree exactly; a test compares them on every driver.
 *
 * - ids: native `uuid` on PostgreSQL, `varchar(36)` elsewhere (MariaDB >= 10.7 would
 *   otherwise get its own `uuid` type and diverge from MySQL);
 * - timestamps: `timestamptz` on PostgreSQL so they are UTC whatever the server's zone,
 *   `datetime(3)` on MySQL (the pool runs with timezone 'Z'), `datetime` text on SQLite.
 *   Millisecond precision matters: a session must compare as created after a revocation.
 *
 * A DATABASE_URL that selects no store gets SQLite's types: the config validation refuses
 * it before anything connects, and loading an entity file must not throw first.
 */
const kind = databaseKindOf(process.env.DATABASE_URL) ?? 'sqlite';

/** Primary and foreign keys holding a uuid. */
export const uuidColumn = (): { type: 'uuid' | 'varchar'; length?: number } =>
  kind === 'postgres' ? { type: 'uuid' } : { type: 'varchar', length: 36 };

/** Every instant the service stores, in UTC with millisecond precision. */
export const timestampColumn = (): ColumnOptions =>
  kind === 'postgres'
    ? { type: 'timestamptz' }
    : kind === 'mysql'
      ? { type: 'datetime', precision: 3 }
      : { type: 'datetime' };

/**
 * `created_at`/`updated_at` defaults: TypeORM would give MySQL `CURRENT_TIMESTAMP(6)`, which
 * a `datetime(3)` column refuses, so MySQL gets a default of the column's own precision.
 */
export const createdAtColumn = (): ColumnOptions =>
  kind === 'mysql' ? { ...timestampColumn(), default: () => 'CURRENT_TIMESTAMP(3)' } : timestampColumn();

/** Like createdAtColumn, and refreshed by MySQL itself on every update. */
export const updatedAtColumn = (): ColumnOptions =>
  kind === 'mysql'
    ? { ...timestampColumn(), default: () => 'CURRENT_TIMESTAMP(3)', onUpdate: 'CURRENT_TIMESTAMP(3)' }
    : timestampColumn();

/**
 * Text compared exactly, as the application normalised it: MySQL's default `utf8mb4_*_ci`
 * collations ignore accents and case, so `josé@` would equal (and log into) `jose@`.
 * PostgreSQL's and SQLite's default comparison is already exact.
 */
export const exactTextColumn = (length: number): ColumnOptions =>
  kind === 'mysql'
    ? { type: 'varchar', length, charset: 'utf8mb4', collation: 'utf8mb4_bin' }
    : { type: 'varchar', length };
