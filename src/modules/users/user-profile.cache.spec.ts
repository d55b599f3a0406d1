import { NotFoundException } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { CacheFills } from '@/infra/cache/cache-fills';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { buildUser } from '@test/factories/user.factory';
import { automock } from '@test/support/automock';
import { toUserResponse } from './user.mapper';
import { UserProfileCache } from './user-profile.cache';

describe(UserProfileCache.name, () => {
  let entries: Map<string, unknown>;
  let cache: jest.Mocked<Cache>;
  let sut: UserProfileCache;
  const user = buildUser({ id: 'u1', name: 'Ada' });

  beforeEach(() => {
    entries = new Map();
    cache = automock<Cache>('Cache', {
      get: async (key) => entries.get(key),
      set: async (key, value) => void entries.set(key, value),
      del: async (key) => entries.delete(key),
    });
    const fills = automock<CacheFills>('CacheFills', {
      addIfAbsent: async (key, value) => !entries.has(key) && Boolean(entries.set(key, value)),
    });
    sut = new UserProfileCache(cache, fills, automock(AppMetrics, { cacheLookup: () => undefined }));
  });

  it('loads a profile once, then answers from the cache without the database', async () => {
    const load = jest.fn(async () => user);
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(await sut.get('u1', load)).toEqual(toUserResponse(user));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('serves what a writer stored, and asks the database again after a deletion', async () => {
    await sut.store(buildUser({ id: 'u1', name: 'Renamed' }));
    const load = jest.fn(async () => user);
    expect((await sut.get('u1', load)).name).toBe('Renamed');
    await sut.markDeleted('u1');
    expect((await sut.get('u1', load)).name).toBe('Ada');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never fills a profile back over a deletion that committed while it loaded', async () => {
    const gone = new NotFoundException();
    const load = jest.fn(async () => user);
    const racing = sut.get('u1', async () => {
      await sut.markDeleted('u1');
      return user;
    });
    await racing;
    load.mockRejectedValue(gone);
    await expect(sut.get('u1', load)).rejects.toBe(gone);
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
