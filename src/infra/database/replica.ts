import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs reads that tolerate replication lag on a read replica (DATABASE_READ_URLS, chosen
 * by TypeORM at random per call), or on the primary when there is none. The manager
 * handed to `read` holds one replica connection until `read` settles; pass it to
 * repositories and query builders (`manager.getRepository(User)`), and never write
 * through it: a replica refuses writes.
 *
 * Everything else reads the primary (the default set in data-source-options.ts). Use this
 * only where a client cannot tell, or does not mind, that the answer is a few hundred
 * milliseconds old: never on a path that must see the caller's own write, nor in a
 * security decision (credentials, sessions, roles).
 */
export async function onReplica<T>(dataSource: DataSource, read: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner('slave');
  try {
    return await read(runner.manager);
  } finally {
    await runner.release();
  }
}
