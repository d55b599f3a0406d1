import { HashThreadPool } from './hash-thread-pool';
import { ARGON2_OPTIONS } from './password-hasher';

describe(HashThreadPool.name, () => {
  const pools: HashThreadPool[] = [];
  const make = (options: Partial<ConstructorParameters<typeof HashThreadPool>[0]>) => {
    const pool = new HashThreadPool({
      size: 1,
      nice: 0,
      argon2Options: ARGON2_OPTIONS,
      onNiceFailed: () => undefined,
      ...options,
    });
    pools.push(pool);
    return pool;
  };

  afterEach(() => Promise.all(pools.splice(0).map((p) => p.close())));

  it('passes on what argon2 threw as an answer, not as a failure of the thread', async () => {
    const pool = make({ argon2Options: { ...ARGON2_OPTIONS, memoryCost: 1 } });
    await expect(pool.run({ op: 'hash', password: 'a' })).resolves.toEqual({ error: expect.any(String) });
    await expect(pool.run({ op: 'verify', hash: 'not-a-hash', password: 'a' })).resolves.toEqual({
      error: expect.any(String),
    });
  });

  it('reports a priority it could not set once, however many threads failed to set it', async () => {
    const onNiceFailed = jest.fn();
    // Out of setPriority's range, so every thread fails to apply it, as it would without permission.
    const pool = make({ size: 2, nice: 20, onNiceFailed });
    const answers = await Promise.all([
      pool.run({ op: 'hash', password: 'a' }),
      pool.run({ op: 'hash', password: 'b' }),
    ]);
    expect(answers).toEqual([{ value: expect.any(String) }, { value: expect.any(String) }]);
    expect(onNiceFailed).toHaveBeenCalledTimes(1);
    expect(onNiceFailed).toHaveBeenCalledWith(expect.stringMatching(/priority/));
  });
});
