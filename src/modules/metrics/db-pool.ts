import type { DataSource } from 'typeorm';

export type PoolRole = 'primary' | 'replica';

/** Connections of one pool at the moment of a scrape. */
export interface PoolSnapshot {
  pool: PoolRole;
  /** Open connections, idle or checked out. */
  total: number;
  /** Open connections nobody is using. */
  idle: number;
  /** Queries queued for a connection because every one is checked out. */
  waiting: number;
  /** The configured ceiling (DATABASE_POOL_SIZE). */
  max: number;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

interface MysqlPool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

const pgSnapshot = (pool: PgPool, role: PoolRole): PoolSnapshot => ({
  pool: role,
  total: pool.totalCount,
  idle: pool.idleCount,
  waiting: pool.waitingCount,
  max: pool.options?.max ?? 0,
});

// mysql2 exposes no public counters; these are the queues its Pool keeps (stable since mysql2 1.x).
const mysqlSnapshot = (pool: MysqlPool, role: PoolRole): PoolSnapshot => ({
  pool: role,
  total: pool._allConnections?.length ?? 0,
  idle: pool._freeConnections?.length ?? 0,
  waiting: pool._connectionQueue?.length ?? 0,
  max: pool.config?.connectionLimit ?? 0,
});

/** Several replica pools are reported as one: alerts and dashboards care about the role, not each host. */
function merge(snapshots: PoolSnapshot[]): PoolSnapshot[] {
  const byRole = new Map<PoolRole, PoolSnapshot>();
  for (const s of snapshots) {
    const seen = byRole.get(s.pool);
    byRole.set(
      s.pool,
      seen
        ? {
            pool: s.pool,
            total: seen.total + s.total,
            idle: seen.idle + s.idle,
            waiting: seen.waiting + s.waiting,
            max: seen.max + s.max,
          }
        : s,
    );
  }
  return [...byRole.values()];
}

/**
 * Reads the connection pools behind TypeORM's driver: pg's Pool (and replica pools),
 * mysql2's pool or pool cluster, or SQLite's single connection, which is busy only
 * inside a transaction since better-sqlite3 runs every statement synchronously.
 */
export function poolSnapshots(dataSource: DataSource): PoolSnapshot[] {
  if (!dataSource.isInitialized) return [];
  const driver = dataSource.driver as unknown as Record<string, unknown>;
  switch (dataSource.options.type) {
    case 'postgres': {
      const replicas = (driver.slaves as PgPool[] | undefined) ?? [];
      return merge([
        ...(driver.master ? [pgSnapshot(driver.master as PgPool, 'primary')] : []),
        ...replicas.map((pool) => pgSnapshot(pool, 'replica')),
      ]);
    }
    case 'mysql':
    case 'mariadb': {
      if (driver.pool) return [mysqlSnapshot(driver.pool, 'primary')];
      const nodes = (driver.poolCluster as { _nodes?: Record<string, { pool: MysqlPool }> } | undefined)?._nodes ?? {};
      return merge(
        Object.entries(nodes).map(([id, node]) => mysqlSnapshot(node.pool, id === 'MASTER' ? 'primary' : 'replica')),
      );
    }
    case 'better-sqlite3': {
      const connection = driver.databaseConnection as { open?: boolean; inTransaction?: boolean } | undefined;
      const open = connection?.open ? 1 : 0;
      return [{ pool: 'primary', total: open, idle: open && !connection?.inTransaction ? 1 : 0, waiting: 0, max: 1 }];
    }
    default:
      return [];
  }
}
