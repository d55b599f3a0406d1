import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe(MemoryThrottlerStorage.name, () => {
  let now: number;
  let storage: MemoryThrottlerStorage;
  const TTL = 60_000;
  const BLOCK = 30_000;
  const hit = (key = 'throttle:default:10.0.0.1', limit = 3, block = BLOCK, name = 'default') =>
    storage.increment(key, TTL, limit, block, name);

  beforeEach(() => {
    now = 1_000_000;
    storage = new MemoryThrottlerStorage(() => now);
  });

  it('counts hits in a window that starts with the first hit, as the Redis script does', async () => {
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    now += 20_500;
    await expect(hit()).resolves.toEqual({ totalHits: 2, timeToExpire: 40, isBlocked: false, timeToBlockExpire: 0 });
    now += 40_000;
    // The window ended: a new one starts with this hit.
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('blocks past the limit for the block duration, and keeps counting while blocked', async () => {
    for (let i = 0; i < 3; i++) await hit();
    await expect(hit()).resolves.toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 30 });
    now += 10_000;
    await expect(hit()).resolves.toMatchObject({ totalHits: 5, isBlocked: true, timeToBlockExpire: 20 });
    // The block outlives nothing: past it, and in a new window, the client is counted afresh.
    now += 60_000;
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('stays blocked into the next window while the block lasts', async () => {
    for (let i = 0; i < 4; i++) await hit('k', 3, 90_000);
    now += 61_000;
    await expect(hit('k', 3, 90_000)).resolves.toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: true,
      timeToBlockExpire: 29,
    });
  });

  it('refuses past the limit until the window ends, and says so, when the block duration is 0', async () => {
    for (let i = 0; i < 3; i++) await hit('k', 3, 0);
    now += 15_000;
    await expect(hit('k', 3, 0)).resolves.toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 45 });
    now += TTL;
    await expect(hit('k', 3, 0)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps budgets apart by key and by throttler name', async () => {
    await hit('a');
    await hit('a');
    await expect(hit('b')).resolves.toMatchObject({ totalHits: 1 });
    await expect(hit('a', 3, BLOCK, 'register')).resolves.toMatchObject({ totalHits: 1 });
    await expect(hit('a')).resolves.toMatchObject({ totalHits: 3 });
  });

  it('counts every hit of a busy window, under a raised limit, in one entry for the client', async () => {
    const many = 5_000;
    for (let i = 0; i < many; i++) await hit('busy', 1_000_000);
    await expect(hit('busy', 1_000_000)).resolves.toMatchObject({ totalHits: many + 1, isBlocked: false });
    expect(storage.size).toBe(1);
  });

  it('forgets windows and blocks that ended, so many clients do not grow memory for good', async () => {
    for (let i = 0; i < 100; i++) await hit(`client-${i}`);
    for (let i = 0; i < 4; i++) await hit('blocked', 3, 5 * 60_000);
    expect(storage.size).toBe(101);

    now += TTL + 10_000;
    await hit('newcomer');
    // Only the block still running and the window just started are left.
    expect(storage.size).toBe(2);
  });
});
