import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Brackets, Repository } from 'typeorm';
import { NotFoundProblem } from '@/common/http/problem';
import { onReplica } from '@/infra/database/replica';
import { audit } from '@/infra/logging/audit-log';
import { AccountChanges } from './account-changes';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { ListUsersQueryDto, SortField } from './dto/list-users-query.dto';
import { User, UserRole } from './entities/user.entity';
import { LastAdminRule } from './last-admin.rule';
import { AccountMailJob } from './mail/account-mail.job';
import { MailUnavailableProblem } from './mail/mail-unavailable.problem';
import { SessionsService } from './sessions/sessions.service';
import { UserDeletionService } from './user-deletion.service';
import { UsersService } from './users.service';

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

/**
 * LIKE wildcards in a search term are matched literally. `!` is the escape character
 * because a backslash means different things in PostgreSQL, MySQL and SQLite literals.
 */
export const likeContains = (term: string): string => `%${term.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

/** What an admin gives for a new account; without a password the user is invited to choose one. */
export interface AdminNewUser {
  email: string;
  name: string;
  role?: UserRole;
  password?: string;
}

/** Admin-only management of any user: creation, listing, role/activation changes, deletion. */
@Injectable()
export class UsersAdminService {
  private readonly logger = new Logger(UsersAdminService.name);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: SessionsService,
    private readonly changes: AccountChanges,
    private readonly lastAdmin: LastAdminRule,
    private readonly deletion: UserDeletionService,
    private readonly accounts: UsersService,
    private readonly mails: AccountMailJob,
  ) {}

  /**
   * An account made by an admin, in any role. With a password it is ready to log in, and
   * gets no welcome mail: that greets people who signed up themselves, and the admin hands
   * the password over. Without one the user sets their own through an invitation (invite).
   */
  async create(input: AdminNewUser): Promise<User> {
    const role = input.role ?? 'user';
    if (input.password === undefined) return this.invite({ ...input, role });
    const user = await this.accounts.create({ email: input.email, name: input.name, password: input.password }, role);
    audit('admin.user.created', { userId: user.id, role: user.role });
    return user;
  }

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
      await this.lastAdmin.updateKeepingAnAdmin(id, changes);
    } else if (Object.keys(changes).length > 0) {
      await this.users.update({ id }, changes);
    }
    audit('admin.user.updated', { userId: id, role: changes.role, isActive: changes.isActive });

    const updated = await this.users.findOneByOrFail({ id });
    await this.changes.userChanged(updated);
    if (deactivating) await this.sessions.revokeAllForUser(id, 'deactivation');
    return updated;
  }

  /** Deletes any user but the last active admin (409 `last_admin`); see UserDeletionService. */
  async remove(id: string): Promise<void> {
    await this.deletion.delete(id);
    audit('admin.user.deleted', { userId: id });
  }

  /**
   * An account whose owner chooses the password through an invitation mail: a reset link
   * (`/reset-password?token=…`, a token of purpose `invitation` valid for INVITATION_TTL)
   * that POST /auth/password/reset accepts. Until then the password is the hash of 32
   * random bytes that are never kept or told, so no password logs in.
   *
   * When the job store refuses the mail, the account is deleted again and the answer is 503:
   * an account nobody can enter would stay behind, and the admin's retry would meet 409
   * `email_taken` for it. Nothing refers to the row yet (no session, token, cache entry or
   * queued mail), so deleting it undoes the whole creation, and the retry simply works.
   */
  private async invite(input: Omit<AdminNewUser, 'password'> & { role: UserRole }): Promise<User> {
    const unusable = randomBytes(32).toString('base64url');
    const user = await this.accounts.create({ email: input.email, name: input.name, password: unusable }, input.role);
    try {
      await this.mails.queue({ kind: 'invitation', userId: user.id });
    } catch (error) {
      this.logger.warn(
        { userId: user.id, err: { message: error instanceof Error ? error.message : String(error) } },
        'Invitation mail could not be queued; deleting the account again',
      );
      await this.users.delete({ id: user.id });
      throw new MailUnavailableProblem(
        'The invitation mail cannot be queued right now; no account was created. Retry after the seconds in Retry-After.',
      );
    }
    audit('admin.user.invited', { userId: user.id, role: user.role });
    return user;
  }
}
