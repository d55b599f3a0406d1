import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundProblem } from '@/common/http/problem';
import { AccountChanges } from './account-changes';
import { User } from './entities/user.entity';
import { LastAdminRule } from './last-admin.rule';
import { WelcomeMailJob } from './mail/welcome-mail.job';
import { SessionsService } from './sessions/sessions.service';

/**
 * The one way an account is erased, whoever asks (an admin, or the user themselves), so
 * both routes erase exactly the same things (docs/security.md, "Deleting an account").
 * The caller decides whether it may and writes its own audit event.
 */
@Injectable()
export class UserDeletionService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly lastAdmin: LastAdminRule,
    private readonly sessions: SessionsService,
    private readonly changes: AccountChanges,
    private readonly welcomeMail: WelcomeMailJob,
  ) {}

  /**
   * Deletes the user; sessions and refresh tokens go with it (ON DELETE CASCADE). The user
   * is first deactivated under the last-admin rule, so a refused deletion has revoked
   * nothing, and an admin that is on its way out no longer counts for anyone else's check.
   * The revocations and the deletion then reach every node's cached auth state, so the
   * user's live tokens are refused everywhere from the next request on.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new NotFoundProblem('No user with this id.');
    await this.lastAdmin.updateKeepingAnAdmin(id, { isActive: false });
    await this.sessions.revokeAllForUser(id, 'deletion');
    await this.users.delete({ id });
    await this.changes.userDeleted(id);
    await this.welcomeMail.forget(id);
  }
}
