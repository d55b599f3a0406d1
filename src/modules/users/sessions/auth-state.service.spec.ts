import { Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { CacheFills } from '@/infra/cache/cache-fills';
import { Repository } from 'typeorm';
import type { AuthConfig } from '@/config/configuration';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import type { User } from '@/modules/users/entities/user.entity';
import { buildSession } from '@test/factories/session.factory';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import type { Session } from './entities/session.entity';
import { AuthStateService } from './auth-state.service';

/** An in-memory cache with a switch to make every call fail, like an unreachable Redis. */
function fakeCache() {
  const store = new Map<string, unknown>();
  let down = false;
  const guard = () => {
    if (down) throw new Error('cache down');
  };
  return {
    store,
    setDown: (value: boolean) => (down = value),
    cache: automock<Cache>('Cache', {
      get: async (key) => (guard(), store.get(key)),
      mget: async (keys) => (guard(), keys.map((key) => store.get(key))),
      set: async (key, value) => (guard(), store.set(key, value), value),
      del: async (key) => (guard(), store.delete(key)),
    }),
    fills: automock<CacheFills>('CacheFills', {
      addIfAbsent: async (key, value) => (guard(), !store.has(key) && Boolean(store.set(key, value))),
    }),
  };
}

const DAY_MS = 86_400_000;

describe(AuthStateService.name, () => {
  const user = buildUser({ role: 'admin' });
  const session = buildSession({ id: 's1', userId: user.id, createdAt: new Date('2026-02-01T00:00:00Z') });
  let cache: ReturnType<typeof fakeCache>;
  let users: jest.Mocked<Repository<User>>;
  let sessions: jest.Mocked<Repository<Session>>;
  let metrics: jest.Mocked<AppMetrics>;
  let sut: AuthStateService;
  const cfg = { accessTtlMs: 900_000, sessionMaxAgeMs: 30 * DAY_MS } as AuthConfig;
  const at = (time: number) => jest.spyOn(Date, 'now').mockReturnValue(time);

  beforeEach(() => {
    at(session.createdAt.getTime() + DAY_MS);
    cache = fakeCache();
    users = automock(Repository<User>, { findOne: async () => user });
    sessions = automock(Repository<Session>, { findOne: async () => session });
    metrics = automock(AppMetrics, { cacheLookup: () => undefined });
    sut = new AuthStateService(cache.cache, cache.fills, users, sessions, cfg, metrics);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('reads the database on a miss, then answers from the cache, recording both', async () => {
    await expect(sut.check(user.id, 's1')).resolves.toEqual({ role: 'admin' });
    await expect(sut.check(user.id, 's1')).resolves.toEqual({ role: 'admin' });
    expect(users.findOne).toHaveBeenCalledTimes(1);
    expect(sessions.findOne).toHaveBeenCalledTimes(1);
    expect(metrics.cacheLookup.mock.calls).toEqual([
      ['user', false],
      ['session', false],
      ['user', true],
      ['session', true],
    ]);
  });

  it('reads user and session state in one cache round trip', async () => {
    await sut.check(user.id, 's1');
    cache.cache.mget.mockClear();
    cache.cache.get.mockClear();

    await sut.check(user.id, 's1');

    expect(cache.cache.mget).toHaveBeenCalledTimes(1);
    expect(cache.cache.get).not.toHaveBeenCalled();
  });

  it('reads user, session and profile ahead in one MGET under the user’s hash tag, loading nothing', async () => {
    cache.store.set(`users:{${user.id}}:profile`, { id: user.id });

    const lookup = sut.lookup(user.id, 's1', true);

    await expect(lookup.profile?.entry).resolves.toEqual({ id: user.id });
    expect(cache.cache.mget).toHaveBeenCalledTimes(1);
    const keys = cache.cache.mget.mock.calls[0][0];
    expect(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1])).toEqual([user.id, user.id, user.id]);
    expect(users.findOne).not.toHaveBeenCalled();
    expect(sessions.findOne).not.toHaveBeenCalled();
  });

  it('checks from the answers read ahead, loading only what missed, and ignores those of another session', async () => {
    await sut.check(user.id, 's1');
    const lookup = sut.lookup(user.id, 's1');
    cache.cache.mget.mockClear();

    await expect(sut.check(user.id, 's1', lookup)).resolves.toEqual({ role: 'admin' });
    expect(cache.cache.mget).not.toHaveBeenCalled();

    const other = sut.lookup(user.id, 's1');
    sessions.findOne.mockResolvedValue(null);
    await expect(sut.check(user.id, 's2', other)).resolves.toBeNull();
    expect(sessions.findOne).toHaveBeenCalledTimes(2);
  });

  it('refuses a revoked session from the tombstone written after the commit, without a database read', async () => {
    await sut.check(user.id, 's1');
    await sut.sessionsRevoked([session]);
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    expect(sessions.findOne).toHaveBeenCalledTimes(1);
  });

  it('refuses a deactivated user, a deleted user and a session older than sessionsValidAfter', async () => {
    await sut.userChanged({ ...user, isActive: false });
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    await sut.userChanged({ ...user, isActive: true, sessionsValidAfter: new Date('2026-03-01T00:00:00Z') });
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    await sut.userDeleted(user.id);
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
  });

  it('refuses a session past its absolute end (JWT_SESSION_MAX_AGE), also from a cached entry', async () => {
    const endsAt = session.createdAt.getTime() + cfg.sessionMaxAgeMs;
    at(endsAt - 1);
    await expect(sut.check(user.id, 's1')).resolves.toEqual({ role: 'admin' });
    at(endsAt);
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    expect(sessions.findOne).toHaveBeenCalledTimes(1);
  });

  it('refuses a session that belongs to another user', async () => {
    sessions.findOne.mockResolvedValue({ ...session, userId: 'someone-else' });
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
  });

  it('falls through to the database when the cache fails, so revocation still holds', async () => {
    cache.setDown(true);
    sessions.findOne.mockResolvedValue({ ...session, revokedAt: new Date() });
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    sessions.findOne.mockResolvedValue(session);
    await expect(sut.check(user.id, 's1')).resolves.toEqual({ role: 'admin' });
    expect(sessions.findOne).toHaveBeenCalledTimes(2);
  });

  it('keeps a tombstone that a writer left while a slower reader was reading the database', async () => {
    sessions.findOne.mockImplementation(async () => {
      await sut.sessionsRevoked([session]);
      return session;
    });
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    await expect(sut.check(user.id, 's1')).resolves.toBeNull();
    expect(sessions.findOne).toHaveBeenCalledTimes(1);
  });
});
