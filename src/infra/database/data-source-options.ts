import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@/config/configuration';
import { QueryLogger } from './query-logger';

/** Entities are found by file name so the app, the migration CLI and tests share one list. */
const ENTITIES = [
  join(__dirname, '..', '..', 'modules', '**', '*.entity.{ts,js}'),
  // The database job queue's table (used without Redis).
  join(__dirname, '..', 'jobs', '*.entity.{ts,js}'),
  // The mail module's record of sent mails.
  join(__dirname, '..', 'mail', 'entities', '*.entity.{ts,js}'),
];

/** Each driver has its own migrations: the SQL differs, the history must not be mixed. */
const migrationsFor = (kind: DatabaseConfig['kind']) => [join(__dirname, 'migrations', kind, '*.{ts,js}')];

/**
 * With DATABASE_READ_URLS, one pool per server. Reads stay on the primary unless a call
 * site asks for a replica (`onReplica`, replica.ts): TypeORM would otherwise send every
 * SELECT outside a transaction to a replica, and a replica that lags behind would answer
 * login right after register, or a session check right after a logout, from the past.
 * docs/scaling.md lists which reads go where and why.
 */
function replicationOrUrl(db: DatabaseConfig) {
  if (db.readUrls.length === 0) return { url: db.url };
  return {
    replication: {
      master: { url: db.url },
      slaves: db.readUrls.map((url) => ({ url })),
      defaultMode: 'master' as const,
    },
  };
}

/**
 * Builds the TypeORM options for the configured store. Never `synchronize`: the schema
 * comes from migrations only, run once at boot under a lock (see migrate.ts).
 */
export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: migrationsFor(db.kind),
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    // Slow queries become one warning line each. In the service, DatabaseModule also times every
    // query for /metrics; the CLI options built here do not.
    maxQueryExecutionTime: db.slowQueryMs,
    logger: new QueryLogger(),
  } as const;

  switch (db.kind) {
    case 'sqlite': {
      const database = db.sqlitePath ?? 'data/app.sqlite';
      if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
      return {
        ...common,
        type: 'better-sqlite3',
        database,
        // WAL lets readers run beside the single writer; busy_timeout waits for the lock instead of failing.
        // synchronous = NORMAL is SQLite's advice for WAL: no fsync per commit (better-sqlite3 would
        // block the event loop on each), still no corruption; a power cut may lose the last commits.
        prepareDatabase: (conn: { pragma(sql: string): unknown }) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('foreign_keys = ON');
        },
      };
    }
    case 'postgres': {
      const extra = {
        max: db.poolSize,
        connectionTimeoutMillis: db.connectTimeoutMs,
        statement_timeout: db.statementTimeoutMs,
        idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
        application_name: 'nest-enterprise-backend',
      };
      return {
        ...common,
        type: 'postgres',
        extra,
        ...replicationOrUrl(db),
      };
    }
    case 'mysql': {
      const extra = { connectionLimit: db.poolSize, connectTimeout: db.connectTimeoutMs };
      return {
        ...common,
        type: 'mysql',
        charset: 'utf8mb4_unicode_ci',
        timezone: 'Z',
        extra,
        ...replicationOrUrl(db),
      };
    }
  }
}
