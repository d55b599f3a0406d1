import { Logger } from '@nestjs/common';
import type { DataSource, Migration } from 'typeorm';

/** An arbitrary, fixed key: every instance of this service contends for the same lock. */
const PG_LOCK_KEY = 727_274_001;
const MYSQL_LOCK_NAME = 'nest_enterprise_backend_migrations';
const MYSQL_LOCK_TIMEOUT_S = 300;

/**
 * Runs pending migrations so that replicas booting together against an empty database
 * migrate exactly once: the first takes a database-wide lock (PostgreSQL advisory lock,
 * MySQL `GET_LOCK`) and migrates; the others wait on the lock, then find nothing to do.
 * SQLite is single-node and serialises writers through its file lock.
 */
export async function runMigrationsExclusively(dataSource: DataSource, logger = new Logger('Migrations')) {
  const kind = dataSource.options.type;
  if (kind !== 'postgres' && kind !== 'mysql') return logApplied(await migrate(dataSource), logger);

  const lockRunner = dataSource.createQueryRunner('master');
  await lockRunner.connect();
  try {
    if (kind === 'postgres') {
      await lockRunner.query('SELECT pg_advisory_lock($1)', [PG_LOCK_KEY]);
    } else {
      const [row] = (await lockRunner.query('SELECT GET_LOCK(?, ?) AS acquired', [
        MYSQL_LOCK_NAME,
        MYSQL_LOCK_TIMEOUT_S,
      ])) as Array<{ acquired: unknown } | undefined>;
      if (Number(row?.acquired) !== 1) throw new Error('Timed out waiting for the migration lock');
    }
    try {
      return logApplied(await migrate(dataSource), logger);
    } finally {
      await lockRunner.query(kind === 'postgres' ? 'SELECT pg_advisory_unlock($1)' : 'SELECT RELEASE_LOCK(?)', [
        kind === 'postgres' ? PG_LOCK_KEY : MYSQL_LOCK_NAME,
      ]);
    }
  } finally {
    await lockRunner.release();
  }
}

function migrate(dataSource: DataSource): Promise<Migration[]> {
  return dataSource.runMigrations({ transaction: 'each' });
}

function logApplied(applied: Migration[], logger: Logger): Migration[] {
  if (applied.length > 0) {
    logger.log(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
  } else {
    logger.log('Schema is up to date');
  }
  return applied;
}
