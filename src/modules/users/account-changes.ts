import { Injectable } from '@nestjs/common';
import type { User } from './entities/user.entity';
import type { Session } from './sessions/entities/session.entity';
import { AuthStateService } from './sessions/auth-state.service';
import { UserProfileCache } from './user-profile.cache';

/**
 * The one path from "a user or session changed" to every cache that holds a copy: the
 * auth state the JWT guard reads and the `/users/me` profile. A writer calls it once its
 * change has committed (a cache filled from a transaction that then rolls back would serve
 * state that never existed), and a new cache is added here, not at each writer.
 */
@Injectable()
export class AccountChanges {
  constructor(
    private readonly authState: AuthStateService,
    private readonly profiles: UserProfileCache,
  ) {}

  /** The user's row as it now is: role, activation, name, sessionsValidAfter. */
  async userChanged(user: User): Promise<void> {
    await Promise.all([this.authState.userChanged(user), this.profiles.store(user)]);
  }

  /** The user is gone: the guard refuses their tokens and the profile is no longer served. */
  async userDeleted(id: string): Promise<void> {
    await Promise.all([this.authState.userDeleted(id), this.profiles.markDeleted(id)]);
  }

  /** Sessions were revoked: their access tokens are refused from the next request on. */
  async sessionsRevoked(revoked: Array<Pick<Session, 'id' | 'userId' | 'createdAt'>>): Promise<void> {
    await this.authState.sessionsRevoked(revoked);
  }
}
