import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { RedisThrottlerStorage } from '@/infra/redis/redis-throttler.storage';
import { MemoryThrottlerStorage } from '@/infra/throttling/memory-throttler.storage';
import { waitFor } from '@tools/wait-for';
import { automock } from '@test/support/automock';
import { RedisServer, startRedisServer } from '@test/support/redis-server';

type Hit = { key: string; limit: number; blockMs: number; name?: string };
/** `ms` after the answer to hit number `after` (1-based), so what that hit started has surely ended. */
type Step = Hit | { ms: number; after: number };

// Whole seconds are what a client is told (rounded up): each expected value below sits
// several hundred ms from a second boundary, so both storages, asked within a few ms of
// each other, round alike however slow the machine is within reason.
const WINDOW_MS = 1_500;
const BLOCK_MS = 2_700;

/**
 * The request budget without Redis (MemoryThrottlerStorage) must answer a client exactly as
 * the budget on Redis (RedisThrottlerStorage's script) does: the same steps, sent to both
 * at the same moments, get the same records.
 */
describe('request budget storages: in process and on Redis', () => {
  let own: RedisServer | undefined;
  let client: Redis;
  let redis: ThrottlerStorage;
  let memory: ThrottlerStorage;

  beforeAll(async () => {
    const url = process.env.REDIS_URL ?? (own = await startRedisServer()).url;
    client = new Redis(url, { keyPrefix: `budget-test:${randomUUID()}:` });
    redis = new RedisThrottlerStorage(client, false, automock(AppMetrics, { rateLimitStorageFailed: () => undefined }));
    memory = new MemoryThrottlerStorage();
    // Connected, and the script loaded, before any scenario's clock starts.
    await redis.increment(`throttle:warm-up:${randomUUID()}`, WINDOW_MS, 1, 0, 'default');
  });
  afterAll(async () => {
    client.disconnect();
    await own?.stop();
  });

  /** Runs the steps on both storages, each hit at once on both; answers both records per hit. */
  async function play(steps: Step[]) {
    const records: Array<{ memory: unknown; redis: unknown }> = [];
    const answeredAt: number[] = [];
    for (const step of steps) {
      if ('ms' in step) {
        const until = answeredAt[step.after - 1] + step.ms + 20;
        await waitFor(() => Date.now() >= until, { what: `${step.ms} ms after hit ${step.after}`, intervalMs: 10 });
        continue;
      }
      const args = [step.key, WINDOW_MS, step.limit, step.blockMs, step.name ?? 'default'] as const;
      const [m, r] = await Promise.all([memory.increment(...args), redis.increment(...args)]);
      answeredAt.push(Date.now());
      records.push({ memory: m, redis: r });
    }
    return records;
  }

  const answersAlike = (records: Array<{ memory: unknown; redis: unknown }>) =>
    records.forEach(({ memory: m, redis: r }, i) =>
      expect({ hit: i + 1, record: m }).toEqual({ hit: i + 1, record: r }),
    );

  it('counts, blocks past the limit, keeps counting while blocked, and starts afresh after both end', async () => {
    const key = `throttle:default:${randomUUID()}`;
    const hit = { key, limit: 3, blockMs: BLOCK_MS };
    const records = await play([
      hit,
      hit,
      hit,
      hit,
      hit,
      { ms: WINDOW_MS, after: 1 },
      hit,
      { ms: BLOCK_MS, after: 4 },
      { ms: WINDOW_MS, after: 6 },
      hit,
    ]);

    answersAlike(records);
    expect(records.map(({ memory: m }) => m)).toEqual([
      { totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 2, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 3, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 4, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 3 },
      { totalHits: 5, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 3 },
      // A new window, while the block still runs.
      { totalHits: 1, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 },
      { totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
    ]);
  });

  it('blocks again when a short block ends while the window still holds too many hits', async () => {
    const hit = { key: `throttle:default:${randomUUID()}`, limit: 1, blockMs: 300 };
    const records = await play([hit, hit, { ms: 300, after: 2 }, hit]);

    answersAlike(records);
    expect(records.map(({ memory: m }) => m)).toEqual([
      { totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 2, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 1 },
      { totalHits: 3, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 1 },
    ]);
  });

  it('without a block, refuses past the limit until the window ends and says when that is', async () => {
    const hit = { key: `throttle:default:${randomUUID()}`, limit: 1, blockMs: 0 };
    const records = await play([hit, hit, hit, { ms: WINDOW_MS, after: 1 }, hit]);

    answersAlike(records);
    expect(records.map(({ memory: m }) => m)).toEqual([
      { totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
      { totalHits: 2, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 },
      { totalHits: 3, timeToExpire: 2, isBlocked: true, timeToBlockExpire: 2 },
      { totalHits: 1, timeToExpire: 2, isBlocked: false, timeToBlockExpire: 0 },
    ]);
  });

  it('keeps the budgets of clients and of named throttlers apart', async () => {
    const a = `throttle:default:${randomUUID()}`;
    const b = `throttle:default:${randomUUID()}`;
    const records = await play([
      { key: a, limit: 1, blockMs: BLOCK_MS },
      { key: a, limit: 1, blockMs: BLOCK_MS },
      { key: b, limit: 1, blockMs: BLOCK_MS },
      { key: a, limit: 1, blockMs: BLOCK_MS, name: 'register' },
    ]);

    answersAlike(records);
    expect(records.map(({ memory: m }) => (m as { isBlocked: boolean }).isBlocked)).toEqual([
      false,
      true,
      false,
      false,
    ]);
  });
});
