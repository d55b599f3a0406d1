import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@/config/configuration';
import { PgClient } from './pg-client';
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
 * How much longer than DATABASE_STATEMENT_TIMEOUT the client waits for a reply. A statement
 * that runs too long is cancelled by the server, whose error (57014) still needs to travel
 * back; past this margin the path itself is presumed dead (a partition, a host gone without
 * a reset) and the client gives up on its own.
 */
export const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/** TCP keep-alive probes start after this much idle time, so a connection to a vanished host dies. */
const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000;

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
      // Every wait on PostgreSQL is bounded: for a pooled connection (connectionTimeoutMillis,
      // which covers the TCP connect and the start-up handshake), for a statement on the server
      // (statement_timeout) and for its reply on the client (query_timeout), which alone still
      // holds when the path is partitioned and the server's cancellation cannot be heard.
      const extra = {
        max: db.poolSize,
        connectionTimeoutMillis: db.connectTimeoutMs,
        statement_timeout: db.statementTimeoutMs,
        query_timeout: db.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
        idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
        keepAlive: true,
        keepAliveInitialDelayMillis: KEEP_ALIVE_INITIAL_DELAY_MS,
        application_name: 'nest-enterprise-backend',
        // Drops a connection whose reply timed out instead of reusing it (pg-client.ts).
        Client: PgClient,
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
