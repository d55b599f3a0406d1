import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { ConflictProblem, NotFoundProblem } from '@/common/http/problem';
import { onReplica } from '@/infra/database/replica';
import { audit } from '@/infra/logging/audit-log';
import { AccountChanges } from './account-changes';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { ListUsersQueryDto, SortField } from './dto/list-users-query.dto';
import { User } from './entities/user.entity';
import { SessionsService } from './sessions/sessions.service';

export interface UsersPage {
  users: User[];
  page: number;
  limit: number;
  total: number;
}

/**
 * Order expression per sortable field: the sort never reaches SQL as client text. Names
 * sort case-insensitively so every driver (and collation) returns the same order.
 */
const SORT_COLUMNS: Record<SortField, string> = {
  createdAt: 'user.createdAt',
  updatedAt: 'user.updatedAt',
  email: 'user.email',
  name: 'LOWER(user.name)',
  role: 'user.role',
};

const isActiveAdmin = (user: Pick<User, 'role' | 'isActive'>): boolean => user.role === 'admin' && user.isActive;

const lastAdmin = () =>
  new ConflictProblem(
    'last_admin',
    'This is the last active admin; promote or activate another admin before demoting, deactivating or deleting it.',
  );

/**
 * LIKE wildcards in a search term are matched literally. `!` is the escape character
 * because a backslash means different things in PostgreSQL, MySQL and SQLite literals.
 */
export const likeContains = (term: string): string => `%${term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** Admin-only management of any user: listing, role/activation changes, deletion. */
@Injectable()
export class UsersAdminService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: SessionsService,
    private readonly changes: AccountChanges,
  ) {}

  async list(query: ListUsersQueryDto): Promise<UsersPage> {
    const [field, direction] = query.sort.split(':') as [SortField, 'asc' | 'desc'];
    const qb = this.users
      .createQueryBuilder('user')
      .orderBy(SORT_COLUMNS[field], direction === 'asc' ? 'ASC' : 'DESC')
      .addOrderBy('user.id', 'ASC')
      .skip((query.page - 1) * query.limit)
      .take(query.limit);
    if (query.role) qb.andWhere('user.role = :role', { role: query.role });
    if (query.search) {
      const pattern = likeContains(query.search);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("LOWER(user.name) LIKE :pattern ESCAPE '!'", { pattern })
            .orWhere("LOWER(user.email) LIKE :pattern ESCAPE '!'", { pattern }),
        ),
      );
    }
    // Browsing tolerates a replica's lag (docs/scaling.md): an account registered a moment ago may be missing.
    const [users, total] = await onReplica(this.users.manager.connection, (m) =>
      qb.setQueryRunner(m.queryRunner!).getManyAndCount(),
    );
    return { users, page: query.page, limit: query.limit, total };
  }

  /**
   * Deactivation moves `sessionsValidAfter` forward and revokes every session, so the
   * user's live access and refresh tokens are refused at once; a role change applies to
   * the next request because the guard reads the current role, not the token's claim.
   */
  async update(id: string, dto: AdminUpdateUserDto): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundProblem('No user with this id.');
    const deactivating = dto.isActive === false && user.isActive;
    const changes: Partial<User> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.role !== undefined) changes.role = dto.role;
    if (dto.isActive !== undefined) changes.isActive = dto.isActive;
    if (deactivating) changes.sessionsValidAfter = new Date();
    if (changes.isActive === false || (changes.role !== undefined && changes.role !== 'admin')) {
      await this.updateKeepingAnAdmin(id, changes);
    } else if (Object.keys(changes).length > 0) {
      await this.users.update({ id }, changes);
    }
    audit('admin.user.updated', { userId: id, role: changes.role, isActive: changes.isActive });

    const updated = await this.users.findOneByOrFail({ id });
    await this.changes.userChanged(updated);
    if (deactivating) await this.sessions.revokeAllForUser(id, 'deactivation');
    return updated;
  }

  /**
   * Deletes the user; sessions and refresh tokens go with it (ON DELETE CASCADE). The user
   * is first deactivated under the last-admin rule, so a refused deletion has revoked
   * nothing, and an admin that is on its way out no longer counts for anyone else's check.
   */
  async remove(id: string): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new NotFoundProblem('No user with this id.');
    await this.updateKeepingAnAdmin(id, { isActive: false });
    await this.sessions.revokeAllForUser(id, 'deletion');
    await this.users.delete({ id });
    audit('admin.user.deleted', { userId: id });
    await this.changes.userDeleted(id);
  }

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
   */
  private async updateKeepingAnAdmin(id: string, changes: Partial<User>): Promise<void> {
    if (this.users.manager.connection.options.type === 'better-sqlite3') {
      const result = await this.users
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
      if (!(await this.users.existsBy({ id }))) throw new NotFoundProblem('No user with this id.');
      throw lastAdmin();
    }

    await this.users.manager.transaction(async (m) => {
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
