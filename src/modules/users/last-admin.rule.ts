import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, Repository } from 'typeorm';
import { ConflictProblem, NotFoundProblem } from '@/common/http/problem';
import { atomically } from '@/infra/database/atomically';
import { User } from './entities/user.entity';

const isActiveAdmin = (user: Pick<User, 'role' | 'isActive'>): boolean => user.role === 'admin' && user.isActive;

const lastAdmin = () =>
  new ConflictProblem(
    'last_admin',
    'This is the last active admin; promote or activate another admin before demoting, deactivating or deleting it.',
  );

/**
 * One active admin always remains: every write that may take a user out of the active
 * admins (an admin's demotion or deactivation, any deletion, an admin's or the user's own)
 * goes through here, so the rule cannot be forgotten by one route.
 */
@Injectable()
export class LastAdminRule {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /**
   * Applies `changes` (which may take the user out of the active admins) unless no other
   * active admin would remain: 409 `last_admin`, or 404 if the user is gone meanwhile.
   * Check and write must be one atomic step, or two admins demoting each other at once
   * would each see the other still active and both succeed.
   *
   * - SQLite: one conditional UPDATE whose WHERE clause asks for another active admin.
   *   A statement is atomic and SQLite runs one writer at a time. No transaction: TypeORM
   *   shares the single better-sqlite3 connection between all requests, so a concurrent
   *   request's statements would land inside it.
   * - PostgreSQL, MySQL/MariaDB: a transaction that first locks the target and every
   *   active admin row (`FOR UPDATE`, in id order so two such transactions cannot deadlock),
   *   then decides on those rows. A second transaction waits for the first to commit and
   *   then reads the rows as committed: an admin demoted meanwhile no longer matches. The
   *   rows that count as "another active admin" stay locked until this one commits.
   *   Given a manager inside a transaction (an account deletion), it is that transaction.
   */
  async updateKeepingAnAdmin(id: string, changes: Partial<User>, manager = this.users.manager): Promise<void> {
    if (manager.connection.options.type === 'better-sqlite3') {
      const result = await manager
        .createQueryBuilder()
        .update(User)
        .set(changes)
        .where('id = :id', { id })
        .andWhere(
          new Brackets((w) =>
            w
              .where("NOT (role = 'admin' AND is_active = 1)")
              .orWhere(
                "EXISTS (SELECT 1 FROM users other WHERE other.role = 'admin' AND other.is_active = 1 AND other.id <> :id)",
                { id },
              ),
          ),
        )
        .execute();
      if (result.affected === 1) return;
      if (!(await manager.existsBy(User, { id }))) throw new NotFoundProblem('No user with this id.');
      throw lastAdmin();
    }

    await atomically(manager, async (m: EntityManager) => {
      const locked = await m
        .createQueryBuilder(User, 'user')
        .select(['user.id', 'user.role', 'user.isActive'])
        .where('user.id = :id', { id })
        .orWhere('(user.role = :admin AND user.isActive = :active)', { admin: 'admin', active: true })
        .orderBy('user.id', 'ASC')
        .setLock('pessimistic_write')
        .getMany();
      const target = locked.find((u) => u.id === id);
      if (!target) throw new NotFoundProblem('No user with this id.');
      if (isActiveAdmin(target) && !locked.some((u) => u.id !== id && isActiveAdmin(u))) throw lastAdmin();
      await m.update(User, { id }, changes);
    });
  }
}
