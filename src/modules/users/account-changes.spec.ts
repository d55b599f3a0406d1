import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { AccountChanges } from './account-changes';
import { AuthStateService } from './sessions/auth-state.service';
import { UserProfileCache } from './user-profile.cache';

describe(AccountChanges.name, () => {
  let authState: jest.Mocked<AuthStateService>;
  let profiles: jest.Mocked<UserProfileCache>;
  let sut: AccountChanges;

  beforeEach(() => {
    const done = async () => undefined;
    authState = automock(AuthStateService, { userChanged: done, userDeleted: done, sessionsRevoked: done });
    profiles = automock(UserProfileCache, { store: done, markDeleted: done });
    sut = new AccountChanges(authState, profiles);
  });

  it('hands a changed user to the auth state and the profile cache', async () => {
    const user = buildUser({ id: 'u1', role: 'admin' });
    await sut.userChanged(user);
    expect(authState.userChanged).toHaveBeenCalledWith(user);
    expect(profiles.store).toHaveBeenCalledWith(user);
  });

  it('forgets a deleted user in both', async () => {
    await sut.userDeleted('u1');
    expect(authState.userDeleted).toHaveBeenCalledWith('u1');
    expect(profiles.markDeleted).toHaveBeenCalledWith('u1');
  });

  it('marks revoked sessions in the auth state', async () => {
    const revoked = [{ id: 's1', userId: 'u1', createdAt: new Date(0) }];
    await sut.sessionsRevoked(revoked);
    expect(authState.sessionsRevoked).toHaveBeenCalledWith(revoked);
  });

  it('passes on a failure it is handed, rather than hiding it', async () => {
    profiles.store.mockRejectedValueOnce(new Error('cache down'));
    await expect(sut.userChanged(buildUser())).rejects.toThrow('cache down');
  });
});
