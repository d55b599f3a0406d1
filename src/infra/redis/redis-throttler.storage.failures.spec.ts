import { Logger } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { automock } from '@test/support/automock';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describe(`${RedisThrottlerStorage.name} during an outage`, () => {
  let metrics: jest.Mocked<AppMetrics>;
  let warn: jest.SpyInstance;
  const clients: (Redis | Cluster)[] = [];

  beforeEach(() => {
    metrics = automock(AppMetrics, { rateLimitStorageFailed: () => undefined });
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
    jest.restoreAllMocks();
  });

  const unreachable = () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    clients.push(client);
    return client;
  };

  describe('on a Redis Cluster client', () => {
    // Never connected: the cluster's command entry point answers as the server would, or fails as during an outage.
    let cluster: Cluster;

    beforeEach(() => {
      cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true, enableOfflineQueue: false });
      clients.push(cluster);
    });

    it('counts with one script, sent by its SHA, whose two keys share a hash tag so the cluster runs it in one slot', async () => {
      const send = jest.spyOn(cluster, 'sendCommand').mockImplementation(() => Promise.resolve([3, 24_200, 0, 0]));
      const sut = new RedisThrottlerStorage(cluster, false, metrics);

      const record = await sut.increment('10.0.0.1', 30_000, 10, 30_000, 'default');

      expect(record).toEqual({ totalHits: 3, timeToExpire: 25, isBlocked: false, timeToBlockExpire: 0 });
      const command = send.mock.calls[0][0];
      const [, keyCount, hitKey, blockKey] = command.args.map(String);
      expect([command.name, keyCount]).toEqual(['evalsha', '2']);
      const tag = (key: string) => /^\{[^}]+\}/.exec(key)?.[0];
      expect(tag(hitKey)).toBeDefined();
      expect(tag(blockKey)).toBe(tag(hitKey));
    });

    it('fails open when the cluster cannot answer', async () => {
      jest
        .spyOn(cluster, 'sendCommand')
        .mockImplementation(() =>
          Promise.reject(new Error("Cluster isn't ready and enableOfflineQueue options is false")),
        );
      const sut = new RedisThrottlerStorage(cluster, false, metrics);

      const record = await sut.increment('10.0.0.1', 30_000, 10, 30_000, 'default');

      expect(record).toEqual({ totalHits: 0, timeToExpire: 30, isBlocked: false, timeToBlockExpire: 0 });
      expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(1);
    });
  });

  it('counts every failure but warns once per interval, saying requests are let through', async () => {
    const sut = new RedisThrottlerStorage(unreachable(), false, metrics);

    for (let i = 0; i < 3; i += 1) await sut.increment(`throttle:default:10.0.0.${i}`, 60_000, 10, 60_000, 'default');

    expect(metrics.rateLimitStorageFailed).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { err: { message: expect.stringContaining('enableOfflineQueue') } },
      'Rate-limit storage unreachable; letting requests through unchecked',
    );
  });

  it('warns that requests are refused when failing closed', async () => {
    const sut = new RedisThrottlerStorage(unreachable(), true, metrics);

    await expect(sut.increment('k', 60_000, 10, 60_000, 'default')).rejects.toMatchObject({
      code: 'rate_limit_unavailable',
      retryAfterSeconds: 2,
    });

    expect(warn).toHaveBeenCalledWith(
      expect.anything(),
      'Rate-limit storage unreachable; refusing requests (THROTTLE_FAIL_CLOSED)',
    );
  });
});
