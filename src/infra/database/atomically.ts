import type { EntityManager } from 'typeorm';

/**
 * Runs `work` as one transaction: every statement it sends through the manager it is given
 * commits together or not at all, so a process killed half-way leaves nothing half-written.
 * Called with a manager that is already inside a transaction, `work` joins that one.
 *
 * SQLite runs `work` without a transaction: TypeORM shares the one better-sqlite3
 * connection between all requests, so a concurrent request's statements would land inside
 * it (and be rolled back with it). The embedded store is for a single process in
 * development; PostgreSQL and MySQL/MariaDB, the stores that are killed in production, get
 * the transaction. Caches and other stores are told about a change only after this resolves.
 */
export function atomically<T>(manager: EntityManager, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (manager.queryRunner?.isTransactionActive) return work(manager);
  if (manager.connection.options.type === 'better-sqlite3') return work(manager);
  return manager.transaction(work);
}
