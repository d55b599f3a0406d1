import { HttpStatus } from '@nestjs/common';
import Redis from 'ioredis';
import { ProblemException } from '@/common/http/problem';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { reconnectDelayMs } from './redis-client.factory';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describe(RedisThrottlerStorage.name, () => {
  // A real client that never connects: with the offline queue off, every command fails at once, as during an outage.
  let unreachable: Redis;
  let metrics: jest.Mocked<AppMetrics>;

  beforeEach(() => {
    unreachable = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    metrics = automock(AppMetrics, { rateLimitStorageFailed: () => undefined });
  });
  afterEach(() => unreachable.disconnect());

  it('lets the request through and counts the storage error when failing open', async () => {
    const sut = new RedisThrottlerStorage(unreachable, false, metrics);

    const record = await sut.increment('throttle:default:10.0.0.1', 60_000, 10, 60_000, 'default');

    expect(record).toEqual({ totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(1);
  });

  it('refuses with 503 when configured to fail closed', async () => {
    const sut = new RedisThrottlerStorage(unreachable, true, metrics);

    const refused = sut.increment('throttle:default:10.0.0.1', 60_000, 10, 60_000, 'default');

    await expect(refused).rejects.toBeInstanceOf(ProblemException);
    await expect(refused).rejects.toMatchObject({ status: HttpStatus.SERVICE_UNAVAILABLE });
    expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(1);
  });
});

describe(reconnectDelayMs.name, () => {
  it('grows exponentially, stays within the cap and never reaches zero', () => {
    const low = () => 0;
    const high = () => 1;
    expect(reconnectDelayMs(1, high)).toBe(200);
    expect(reconnectDelayMs(3, high)).toBe(800);
    expect(reconnectDelayMs(50, high)).toBe(2_000);
    expect(reconnectDelayMs(50, low)).toBe(1_000);
    expect(reconnectDelayMs(0, low)).toBe(50);
  });
});
