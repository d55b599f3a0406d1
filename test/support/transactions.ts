import { EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { automock } from './automock';

/**
 * The EntityManager of a unit spec's mocked repositories: a transaction runs its work at once
 * on this same manager, whose `getRepository` answers the spec's mocks, so what a service
 * writes inside `atomically` lands on the repository mocks the spec already asserts on.
 *
 *   const manager = transactionalManager([[User, () => users]]);
 *   users = automock(Repository<User>, { get manager() { return manager; }, update: ... });
 */
export function transactionalManager(
  repositories: Array<[EntityTarget<ObjectLiteral>, () => Repository<ObjectLiteral>]>,
): EntityManager {
  const byTarget = new Map(repositories);
  const manager: EntityManager = automock(EntityManager, {
    connection: { options: { type: 'postgres' } } as EntityManager['connection'],
    queryRunner: undefined,
    transaction: (async (work: (m: EntityManager) => Promise<unknown>) =>
      work(manager)) as EntityManager['transaction'],
    getRepository: (target: EntityTarget<ObjectLiteral>) => {
      const repository = byTarget.get(target);
      if (!repository) throw new Error('No repository mock for this entity');
      return repository();
    },
  });
  return manager;
}
