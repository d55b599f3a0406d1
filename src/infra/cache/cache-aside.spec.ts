import type { Cache } from 'cache-manager';
import { CacheAside } from './cache-aside';

describe(CacheAside.name, () => {
  let entries: Map<string, unknown>;
  let cache: { get: jest.Mock; set: jest.Mock; del: jest.Mock };
  let logger: { warn: jest.Mock };
  let sut: CacheAside;

  beforeEach(() => {
    entries = new Map();
    cache = {
      get: jest.fn(async (key: string) => entries.get(key)),
      set: jest.fn(async (key: string, value: unknown) => void entries.set(key, value)),
      del: jest.fn(async (key: string) => void entries.delete(key)),
    };
    logger = { warn: jest.fn() };
    sut = new CacheAside(cache as unknown as Cache, logger);
  });

  it('loads on a miss, stores the result, and answers the next read from the cache', async () => {
    const load = jest.fn(async () => ({ n: 1 }));
    const lookups: boolean[] = [];
    await expect(sut.read('k', load, 1000, (hit) => lookups.push(hit))).resolves.toEqual({ n: 1 });
    await expect(sut.read('k', load, 1000, (hit) => lookups.push(hit))).resolves.toEqual({ n: 1 });
    expect(load).toHaveBeenCalledTimes(1);
    expect(lookups).toEqual([false, true]);
    expect(cache.set).toHaveBeenCalledWith('k', { n: 1 }, 1000);
  });

  it('keeps the entry a writer stored while the reader was loading, instead of its own older value', async () => {
    const result = await sut.read(
      'k',
      async () => {
        await sut.write('k', { n: 'fresh' }, 1000);
        return { n: 'stale' };
      },
      1000,
    );
    expect(result).toEqual({ n: 'fresh' });
    expect(entries.get('k')).toEqual({ n: 'fresh' });
  });

  it('treats a failing cache as a miss and drops an entry it could not overwrite', async () => {
    cache.get.mockRejectedValue(new Error('down'));
    cache.set.mockRejectedValue(new Error('down'));
    entries.set('k', { n: 'old' });
    await expect(sut.read('k', async () => ({ n: 'db' }), 1000)).resolves.toEqual({ n: 'db' });
    expect(cache.del).toHaveBeenCalledWith('k');
    expect(entries.has('k')).toBe(false);
    expect(logger.warn).toHaveBeenCalled();
  });

  it('survives a failing delete', async () => {
    cache.del.mockRejectedValue(new Error('down'));
    await expect(sut.drop('k')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ key: 'k' }), expect.any(String));
  });
});
