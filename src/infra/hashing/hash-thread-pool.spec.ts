import { HashThreadPool } from './hash-thread-pool';
import { HashingBusyError } from './hashing-busy.error';
import { ARGON2_OPTIONS } from './password-hasher';

describe(HashThreadPool.name, () => {
  const pools: HashThreadPool[] = [];
  const make = (options: Partial<ConstructorParameters<typeof HashThreadPool>[0]>) => {
    const pool = new HashThreadPool({
      size: 1,
      queueMax: 100,
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

  it('refuses a request at once while every thread is busy and the queue is full, with a time to retry', async () => {
    const pool = make({ size: 1, queueMax: 2 });
    const accepted = [pool.run({ op: 'hash', password: 'a' }), pool.run({ op: 'hash', password: 'b' })];
    accepted.push(pool.run({ op: 'hash', password: 'c' }));

    const refused = pool.run({ op: 'hash', password: 'd' });

    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HashingBusyError);
    expect(error).toMatchObject({ code: 'hashing_busy' });
    const { retryAfterSeconds } = error as HashingBusyError;
    expect(Number.isInteger(retryAfterSeconds)).toBe(true);
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await Promise.all(accepted)).toEqual([
      { value: expect.any(String) },
      { value: expect.any(String) },
      { value: expect.any(String) },
    ]);
  });

  it('takes requests again once the queue has drained', async () => {
    const pool = make({ size: 1, queueMax: 0 });
    const first = pool.run({ op: 'hash', password: 'a' });
    await expect(pool.run({ op: 'hash', password: 'b' })).rejects.toBeInstanceOf(HashingBusyError);
    await first;

    await expect(pool.run({ op: 'verify', hash: 'not-a-hash', password: 'b' })).resolves.toEqual({
      error: expect.any(String),
    });
  });

  it('with no queue at all, still runs one request per thread at once', async () => {
    const pool = make({ size: 2, queueMax: 0 });
    const running = [pool.run({ op: 'hash', password: 'a' }), pool.run({ op: 'hash', password: 'b' })];

    await expect(pool.run({ op: 'hash', password: 'c' })).rejects.toBeInstanceOf(HashingBusyError);
    await expect(Promise.all(running)).resolves.toEqual([{ value: expect.any(String) }, { value: expect.any(String) }]);
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
