import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { atomically } from '@/infra/database/atomically';
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
   * All of it is one transaction: a process killed half-way leaves the account as it was,
   * never deactivated but not deleted (which its owner could neither use nor delete again).
   * Once it has committed, the revocations and the deletion reach every node's cached auth
   * state, so the user's live tokens are refused everywhere from the next request on.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new NotFoundProblem('No user with this id.');
    const revoked = await atomically(this.users.manager, async (m) => {
      await this.lastAdmin.updateKeepingAnAdmin(id, { isActive: false }, m);
      const revocation = await this.sessions.revokeAllForUserIn(m, id, 'deletion');
      await m.getRepository(User).delete({ id });
      await this.welcomeMail.forget(id, m);
      return revocation;
    });
    await this.sessions.announce(revoked);
    await this.changes.userDeleted(id);
  }
}
