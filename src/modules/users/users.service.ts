import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import type { AuthUser } from '@/modules/auth/decorators/current-user.decorator';
import { ConflictProblem, NotFoundProblem, ValidationProblem } from '@/common/http/problem';
import { isUniqueViolation } from '@/config/database-driver';
import { atomically } from '@/infra/database/atomically';
import { HashingBusyError } from '@/infra/hashing/hashing-busy.error';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { audit, AuditEvent } from '@/infra/logging/audit-log';
import { AccountChanges } from './account-changes';
import { normaliseEmail } from './email-address';
import { EmailChangeService } from './email-change.service';
import { CurrentPasswordUse, PasswordAttemptsService, ReservedAttempt } from './password-attempts.service';
import { DeleteMeDto } from './dto/delete-me.dto';
import { UpdateMeDto } from './dto/update-me.dto';
import type { UserResponseDto } from './dto/user-response.dto';
import { User, UserRole } from './entities/user.entity';
import { SessionsService } from './sessions/sessions.service';
import { UserDeletionService } from './user-deletion.service';
import { AccountTokens } from './tokens/account-tokens.service';
import { ProfileLookup, UserProfileCache } from './user-profile.cache';

export interface NewUser {
  email: string;
  password: string;
  name: string;
  /** Only for an address the operator vouches for (ADMIN_EMAIL); everyone else proves theirs by mail. */
  emailVerified?: boolean;
}

export { normaliseEmail };

/** The audit event of a wrong `currentPassword`, per route or change that asks for it. */
const CHECK_FAILED: Record<CurrentPasswordUse, AuditEvent> = {
  password_change: 'auth.password.change_failed',
  account_deletion: 'auth.account.delete_failed',
  email_change: 'auth.email.change_failed',
};

const emailTaken = () => new ConflictProblem('email_taken', 'An account with this email already exists.');

/** A user's own account: creation, lookup for login, reading and self-service changes. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly profiles: UserProfileCache,
    private readonly changes: AccountChanges,
    private readonly attempts: PasswordAttemptsService,
    private readonly metrics: AppMetrics,
    private readonly deletion: UserDeletionService,
    private readonly emailChange: EmailChangeService,
    private readonly tokens: AccountTokens,
  ) {}

  /** Creates an account. The role is an argument of the caller (register passes none), never of a body. */
  async create(input: NewUser, role: UserRole = 'user'): Promise<User> {
    const email = normaliseEmail(input.email);
    if (await this.users.existsBy({ email })) throw emailTaken();
    const user = this.users.create({
      id: randomUUID(),
      email,
      name: input.name,
      role,
      isActive: true,
      emailVerified: input.emailVerified ?? false,
      passwordHash: await this.hasher.hash(input.password),
      sessionsValidAfter: new Date(0),
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    return this.getById(user.id);
  }

  /** The only reads that select the password hash. */
  findForLogin(email: string): Promise<User | null> {
    return this.withHash()
      .where('user.email = :email', { email: normaliseEmail(email) })
      .getOne();
  }

  /**
   * A user's record as the API answers it, served from the cache: the hot authenticated
   * reads need no query. `lookup` is the entry the JWT guard already read for this request.
   */
  getProfile(id: string, lookup?: ProfileLookup): Promise<UserResponseDto> {
    return this.profiles.get(id, () => this.getById(id), lookup);
  }

  async getById(id: string): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundProblem('No user with this id.');
    return user;
  }

  /**
   * Object-level authorisation (OWASP API1): a non-admin reaches only their own record.
   * Someone else's id answers 404, exactly like a missing one, so ids cannot be probed.
   */
  async getVisibleTo(caller: AuthUser, id: string, lookup?: ProfileLookup): Promise<UserResponseDto> {
    if (caller.role !== 'admin' && caller.id !== id) throw new NotFoundProblem('No user with this id.');
    return this.getProfile(id, lookup);
  }

  /**
   * Name, password and email. A password change keeps the caller's session and revokes
   * every other one. An email is only asked for (EmailChangeService): the answer still
   * shows the current address; the caller's current address again is no change at all.
   * Password and email need currentPassword, checked once for both (checkCurrentPassword).
   * The order makes a refusal change nothing: fields, currentPassword, the new hash, the
   * new address (429, 409, 503), and only then the write.
   */
  async updateMe(caller: AuthUser, dto: UpdateMeDto, client: string): Promise<User> {
    const user = await this.withHash().where('user.id = :id', { id: caller.id }).getOne();
    if (!user) throw new NotFoundProblem('No user with this id.');

    const changes: Partial<User> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.password !== undefined || dto.email !== undefined) {
      const via = dto.password !== undefined ? 'password_change' : 'email_change';
      await this.checkCurrentPassword(user, dto.currentPassword ?? '', client, via);
    }
    if (dto.password !== undefined) {
      changes.passwordHash = await this.hasher.hash(dto.password);
      // The links mailed so far die with the old password (an email change asked for with a
      // stolen one, say); an email change in this same request mints its link afterwards.
      await this.tokens.supersede(user.id);
    }
    const newEmail = dto.email === undefined ? undefined : normaliseEmail(dto.email);
    if (newEmail !== undefined && newEmail !== user.email) {
      await this.emailChange.request({ user, newEmail, client, sessionId: caller.sessionId });
    }
    // The new password and the end of the other sessions commit together: a crash between
    // them would leave a thief's session alive under the password that was meant to stop it.
    const revoked = await atomically(this.users.manager, async (m) => {
      if (Object.keys(changes).length > 0) await m.getRepository(User).update({ id: user.id }, changes);
      return changes.passwordHash
        ? this.sessions.revokeAllForUserIn(m, user.id, 'password_change', caller.sessionId)
        : undefined;
    });
    if (changes.passwordHash) audit('auth.password.changed', { userId: user.id, sessionId: caller.sessionId });
    if (revoked) await this.sessions.announce(revoked);
    const updated = await this.getById(user.id);
    await this.changes.userChanged(updated);
    return updated;
  }

  /**
   * Deletes the caller's own account, once `currentPassword` proves it is the owner and not
   * someone holding a stolen access token: checked and counted exactly like a password
   * change. The last active admin cannot delete itself (409 `last_admin`), as on the admin
   * route; everything else is UserDeletionService's, which the admin route shares.
   */
  async deleteMe(caller: AuthUser, dto: DeleteMeDto, client: string): Promise<void> {
    const user = await this.withHash().where('user.id = :id', { id: caller.id }).getOne();
    if (!user) throw new NotFoundProblem('No user with this id.');
    await this.checkCurrentPassword(user, dto.currentPassword, client, 'account_deletion');
    await this.deletion.delete(user.id);
    audit('auth.account.deleted', { userId: user.id });
  }

  /**
   * A `currentPassword` check is a password guess like a login (a stolen access token must
   * not become an unlimited oracle), so it reserves an attempt for `client` on the account's
   * login counters first: a wrong one keeps it (400 on the field), a right one gives it back,
   * and over a limit it is refused (429) without verifying anything.
   */
  private async checkCurrentPassword(user: User, password: string, client: string, via: CurrentPasswordUse) {
    const attempt = await this.attempts.reserveOrRefuse(`user:${user.id}`, client, via);
    if (!(await this.verifyCurrent(user.passwordHash, password, attempt))) {
      this.metrics.loginFailed('bad_credentials');
      audit(CHECK_FAILED[via], { userId: user.id, reason: 'bad_current_password' });
      throw new ValidationProblem([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
    }
    await attempt.succeeded();
  }

  private async verifyCurrent(hash: string, password: string, attempt: ReservedAttempt): Promise<boolean> {
    try {
      return await this.hasher.verify(hash, password);
    } catch (error) {
      // Refused for load, the password was never checked: the attempt must not count as a failure.
      if (error instanceof HashingBusyError) await attempt.cancel();
      throw error;
    }
  }

  private withHash() {
    return this.users.createQueryBuilder('user').addSelect('user.passwordHash');
  }
}
