import { Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { automock } from '@test/support/automock';
import { CacheAside } from './cache-aside';
import type { CacheFills } from './cache-fills';

describe(CacheAside.name, () => {
  let entries: Map<string, unknown>;
  let cache: jest.Mocked<Cache>;
  let fills: jest.Mocked<CacheFills>;
  let logger: jest.Mocked<Logger>;
  let sut: CacheAside;

  beforeEach(() => {
    entries = new Map();
    cache = automock<Cache>('Cache', {
      get: async (key) => entries.get(key),
      mget: async (keys) => keys.map((key) => entries.get(key)),
      set: async (key, value) => void entries.set(key, value),
      del: async (key) => entries.delete(key),
    });
    fills = automock<CacheFills>('CacheFills', {
      addIfAbsent: async (key, value) => !entries.has(key) && Boolean(entries.set(key, value)),
    });
    logger = automock(Logger, { warn: () => undefined });
    sut = new CacheAside(cache, fills, logger);
  });

  it('loads on a miss, stores the result, and answers the next read from the cache', async () => {
    const load = jest.fn(async () => ({ n: 1 }));
    const lookups: boolean[] = [];
    await expect(sut.read('k', load, 1000, (hit) => lookups.push(hit))).resolves.toEqual({ n: 1 });
    await expect(sut.read('k', load, 1000, (hit) => lookups.push(hit))).resolves.toEqual({ n: 1 });
    expect(load).toHaveBeenCalledTimes(1);
    expect(lookups).toEqual([false, true]);
    expect(fills.addIfAbsent).toHaveBeenCalledWith('k', { n: 1 }, 1000);
  });

  it('answers with the entry another instance stored between the miss and the fill', async () => {
    const result = await sut.read(
      'k',
      async () => {
        entries.set('k', { n: 'fresh' });
        return { n: 'stale' };
      },
      1000,
    );
    expect(result).toEqual({ n: 'fresh' });
    expect(entries.get('k')).toEqual({ n: 'fresh' });
  });

  it('never fills over an entry written here while it loaded, even where the store has no NX', async () => {
    fills.addIfAbsent.mockImplementation(async (key, value) => Boolean(entries.set(key, value)));
    await sut.read(
      'k',
      async () => {
        await sut.write('k', { n: 'tombstone' }, 1000);
        entries.delete('k'); // as if the written entry had been evicted
        return { n: 'stale' };
      },
      1000,
    );
    expect(fills.addIfAbsent).not.toHaveBeenCalled();
    expect(entries.has('k')).toBe(false);
  });

  it('keeps concurrent fills of one key apart, and forgets a key once its fills are done', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = sut.read('k', async () => (await gate, { n: 'slow' }), 1000);
    await expect(sut.read('k', async () => ({ n: 'quick' }), 1000)).resolves.toEqual({ n: 'quick' });
    release();
    await expect(slow).resolves.toEqual({ n: 'quick' });
    await sut.write('k', { n: 'later' }, 1000);
    await expect(sut.read('k', async () => ({ n: 'db' }), 1000)).resolves.toEqual({ n: 'later' });
  });

  it('answers what it loaded when the fill itself fails', async () => {
    fills.addIfAbsent.mockRejectedValue(new Error('down'));
    await expect(sut.read('k', async () => ({ n: 'db' }), 1000)).resolves.toEqual({ n: 'db' });
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ key: 'k' }), expect.any(String));
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
    fills.addIfAbsent.mockRejectedValue(new Error('down'));
    entries.set('k', { n: 'old' });
    await expect(sut.read('k', async () => ({ n: 'db' }), 1000)).resolves.toEqual({ n: 'db' });
    await sut.write('k', { n: 'new' }, 1000);
    expect(cache.del).toHaveBeenCalledWith('k');
    expect(entries.has('k')).toBe(false);
    expect(logger.warn).toHaveBeenCalled();
  });

  it('reads several entries in one call, loading and storing only those that missed', async () => {
    entries.set('a', { n: 'cached' });
    const load = jest.fn(async (index: number) => ({ n: `db-${index}` }));
    const lookups: Array<[number, boolean]> = [];

    const result = await sut.readMany(['a', 'b'], load, 1000, (index, hit) => lookups.push([index, hit]));

    expect(result).toEqual([{ n: 'cached' }, { n: 'db-1' }]);
    expect(cache.mget).toHaveBeenCalledTimes(1);
    expect(load.mock.calls).toEqual([[1]]);
    expect(lookups).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(entries.get('b')).toEqual({ n: 'db-1' });
  });

  it('treats a failing multi-read as misses all round', async () => {
    cache.mget.mockRejectedValue(new Error('down'));
    await expect(sut.readMany(['a'], async () => ({ n: 'db' }), 1000)).resolves.toEqual([{ n: 'db' }]);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ keys: ['a'] }), expect.any(String));
  });

  it('survives a failing delete', async () => {
    cache.del.mockRejectedValue(new Error('down'));
    await expect(sut.drop('k')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ key: 'k' }), expect.any(String));
  });
});
