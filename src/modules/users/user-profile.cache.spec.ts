import type { Cache } from 'cache-manager';
import type { AppMetrics } from '@/infra/metrics/app-metrics.service';
import { buildUser } from '@test/factories/user.factory';
import { toUserResponse } from './user.mapper';
import { UserProfileCache } from './user-profile.cache';

describe(UserProfileCache.name, () => {
  let entries: Map<string, unknown>;
  let cache: { get: jest.Mock; set: jest.Mock; del: jest.Mock };
  let sut: UserProfileCache;
  const user = buildUser({ id: 'u1', name: 'Ada' });

  beforeEach(() => {
    entries = new Map();
    cache = {
      get: jest.fn(async (key: string) => entries.get(key)),
      set: jest.fn(async (key: string, value: unknown) => void entries.set(key, value)),
      del: jest.fn(async (key: string) => void entries.delete(key)),
    };
    sut = new UserProfileCache(cache as unknown as Cache, { cacheLookup: jest.fn() } as unknown as AppMetrics);
  });

  it('loads a profile once, then answers from the cache without the database', async () => {
    const load = jest.fn(async () => user);
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('serves what a writer stored, and reloads after a deletion', async () => {
    await sut.store(buildUser({ id: 'u1', name: 'Renamed' }));
    const load = jest.fn(async () => user);
    expect((await sut.get('u1', load)).name).toBe('Renamed');
    await sut.drop('u1');
    expect((await sut.get('u1', load)).name).toBe('Ada');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('falls through to the database when the cache fails', async () => {
    cache.get.mockRejectedValue(new Error('down'));
    cache.set.mockRejectedValue(new Error('down'));
    const load = jest.fn(async () => user);
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(load).toHaveBeenCalledTimes(2);
  });
});
