import Redis from 'ioredis';
import { startRedisServer, RedisServer } from '@test/support/redis-server';
import { waitFor } from '@tools/wait-for';
import type { IdempotencyStore } from './idempotency.store';
import { MemoryIdempotencyStore } from './memory-idempotency.store';
import { RedisIdempotencyStore } from './redis-idempotency.store';

const LOCK_MS = 200;
const TTL_MS = 60_000;

/** One contract, two stores: what the interceptor relies on must hold in process and in Redis alike. */
describe.each([
  ['in process', 'memory'],
  ['in Redis', 'redis'],
] as const)('the Idempotency-Key store %s', (_where, kind) => {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  let sut: IdempotencyStore;

  beforeAll(async () => {
    if (kind !== 'redis') return;
    server = await startRedisServer();
    client = new Redis(server.url, { keyPrefix: 'spec:' });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  beforeEach(() => {
    sut = client ? new RedisIdempotencyStore(client) : new MemoryIdempotencyStore();
  });

  let n = 0;
  const freshKey = () => `key-${kind}-${(n += 1)}`;

  it('reserves a free key for exactly one of several concurrent requests', async () => {
    const key = freshKey();
    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((holder) => sut.reserve(key, 'fp', holder, LOCK_MS)));
    expect(outcomes.filter((o) => o.state === 'reserved')).toHaveLength(1);
    expect(outcomes.filter((o) => o.state === 'running')).toEqual(
      Array(3).fill({ state: 'running', fingerprint: 'fp' }),
    );
  });

  it('hands the completed answer to the next request, with the fingerprint it was stored for', async () => {
    const key = freshKey();
    await sut.reserve(key, 'fp', 'first', LOCK_MS);
    expect(await sut.complete(key, 'fp', 'first', 'sealed-answer', TTL_MS)).toBe(true);

    expect(await sut.reserve(key, 'fp', 'second', LOCK_MS)).toEqual({
      state: 'done',
      fingerprint: 'fp',
      sealed: 'sealed-answer',
    });
  });

  it('frees a released key, so the next request runs', async () => {
    const key = freshKey();
    await sut.reserve(key, 'fp', 'first', LOCK_MS);
    await sut.release(key, 'fp', 'first');
    expect(await sut.reserve(key, 'fp', 'second', LOCK_MS)).toEqual({ state: 'reserved' });
  });

  it('lets only the holder complete or release a reservation', async () => {
    const key = freshKey();
    await sut.reserve(key, 'fp', 'first', LOCK_MS);
    expect(await sut.complete(key, 'fp', 'intruder', 'forged', TTL_MS)).toBe(false);
    await sut.release(key, 'fp', 'intruder');
    expect(await sut.reserve(key, 'fp', 'second', LOCK_MS)).toEqual({ state: 'running', fingerprint: 'fp' });
  });

  it('frees the key of a request that never finished once its lock expires, and refuses its late answer', async () => {
    const key = freshKey();
    await sut.reserve(key, 'fp', 'crashed', LOCK_MS);

    const taken = await waitFor(async () => (await sut.reserve(key, 'fp', 'retry', LOCK_MS)).state === 'reserved', {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'the lock to expire',
    });

    expect(taken).toBe(true);
    expect(await sut.complete(key, 'fp', 'crashed', 'late', TTL_MS)).toBe(false);
    expect(await sut.complete(key, 'fp', 'retry', 'answer', TTL_MS)).toBe(true);
  });

  it('drops a stored answer only when it is still the one named', async () => {
    const key = freshKey();
    await sut.reserve(key, 'fp', 'first', LOCK_MS);
    await sut.complete(key, 'fp', 'first', 'sealed-answer', TTL_MS);

    await sut.discard(key, 'fp', 'another-answer');
    expect((await sut.reserve(key, 'fp', 'x', LOCK_MS)).state).toBe('done');
    await sut.discard(key, 'fp', 'sealed-answer');
    expect(await sut.reserve(key, 'fp', 'x', LOCK_MS)).toEqual({ state: 'reserved' });
  });
});

describe(MemoryIdempotencyStore.name, () => {
  it('forgets a stored answer after its ttl', async () => {
    let now = 1_000;
    const sut = new MemoryIdempotencyStore(() => now);
    await sut.reserve('k', 'fp', 'first', LOCK_MS);
    await sut.complete('k', 'fp', 'first', 'answer', TTL_MS);

    now += TTL_MS - 1;
    expect((await sut.reserve('k', 'fp', 'x', LOCK_MS)).state).toBe('done');
    now += 1;
    expect(await sut.reserve('k', 'fp', 'x', LOCK_MS)).toEqual({ state: 'reserved' });
  });

  it('sweeps expired entries once the store has doubled since the last sweep, not on every reserve', async () => {
    let now = 1_000;
    const sut = new MemoryIdempotencyStore(() => now, { maxEntries: 1_000, sweepFrom: 4 });
    const held = () => sut['entries'].size;
    const reserve = (...keys: string[]) => Promise.all(keys.map((key) => sut.reserve(key, 'fp', 'h', 10)));

    await reserve('a1', 'a2', 'a3', 'a4', 'a5');
    expect(held()).toBe(5);
    now += 20;
    await reserve('b1', 'b2', 'b3', 'b4', 'b5');
    // The five expired ones are still held: the last sweep left 5, so the next comes past 10.
    expect(held()).toBe(10);
    await reserve('b6');

    expect(held()).toBe(6);
  });

  it('holds at most maxEntries: the oldest stored answers go first, running requests keep their keys', async () => {
    const sut = new MemoryIdempotencyStore(Date.now, { maxEntries: 3, sweepFrom: 1_000 });
    await sut.reserve('running', 'fp', 'h', TTL_MS);
    for (const key of ['old', 'newer']) {
      await sut.reserve(key, 'fp', 'h', LOCK_MS);
      await sut.complete(key, 'fp', 'h', `answer-${key}`, TTL_MS);
    }

    await sut.reserve('new', 'fp', 'h', LOCK_MS);

    expect(sut['entries'].size).toBe(3);
    expect(await sut.reserve('running', 'fp', 'x', LOCK_MS)).toEqual({ state: 'running', fingerprint: 'fp' });
    expect(await sut.reserve('newer', 'fp', 'x', LOCK_MS)).toMatchObject({ state: 'done', sealed: 'answer-newer' });
    expect((await sut.reserve('old', 'fp', 'x', LOCK_MS)).state).toBe('reserved');
  });
});

describe(RedisIdempotencyStore.name, () => {
  it('keeps each entry under the idempotency namespace with the lock or ttl as its expiry', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { keyPrefix: 'app:' });
    try {
      const sut = new RedisIdempotencyStore(client);
      await sut.reserve('k', 'fp', 'first', 30_000);
      const raw = new Redis(server.url);
      try {
        expect(await raw.keys('*')).toEqual(['app:idempotency:k']);
        expect(await raw.pttl('app:idempotency:k')).toBeGreaterThan(25_000);
        await sut.complete('k', 'fp', 'first', 'answer', 3_600_000);
        expect(await raw.pttl('app:idempotency:k')).toBeGreaterThan(3_500_000);
      } finally {
        raw.disconnect();
      }
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
