import { Logger } from '@nestjs/common';
import { createCache } from 'cache-manager';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import request from 'supertest';
import { redisCacheFills, redisKeyv } from '@/infra/cache/app-cache.module';
import { CacheAside } from '@/infra/cache/cache-aside';
import { authEnv, login, registerAndLogin } from '@test/factories/auth.factory';
import { RedisServer, startRedisServer } from '@test/support/redis-server';
import { startTcpProxy, TcpProxy } from '@test/support/tcp-proxy';
import { createTestApp, TestApp } from '@test/support/test-app';

/**
 * A reader that misses the cache loads state from the database and stores it; a writer
 * (a logout, a deactivation) commits and stores the new state, a tombstone for a
 * revocation. Whatever the interleaving, the reader's older state must never land over
 * the writer's entry, or a revoked token would pass for as long as that entry lives.
 *
 * The reading node reaches Redis over a slow path (a proxy adding latency each way), so
 * its fill reaches Redis long after its miss did; the writing node, on a direct path,
 * stores its tombstone at a different moment in each round, sweeping it across the
 * reader's miss-to-fill window.
 */
const REDIS_LATENCY_MS = 20;
const ROUNDS = 60;

interface Live {
  v: 'live' | 'revoked';
}

describe('Cache fills racing a revocation', () => {
  let own: RedisServer | undefined;
  let slowPath: TcpProxy;
  let redisUrl: URL;
  const clients: Redis[] = [];
  const prefix = `test:fill-race:${randomBytes(4).toString('hex')}:`;

  const node = (url: URL) => {
    const client = new Redis(url.href, { keyPrefix: prefix, lazyConnect: false });
    clients.push(client);
    const logger = new Logger('CacheFillRace');
    return {
      client,
      entries: new CacheAside(createCache({ stores: [redisKeyv(client)] }), redisCacheFills(client), logger),
    };
  };

  beforeAll(async () => {
    redisUrl = new URL(process.env.REDIS_URL ?? (own = await startRedisServer()).url);
    slowPath = await startTcpProxy({ port: Number(redisUrl.port || 6379), host: redisUrl.hostname });
    slowPath.setMode('pass', { latencyMs: REDIS_LATENCY_MS });
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await slowPath?.close();
    await own?.stop();
  });

  it('never lets a slower node fill live state over the tombstone another node stored', async () => {
    const reader = node(Object.assign(new URL(redisUrl), { host: slowPath.address }));
    const writer = node(redisUrl);
    const resurrected: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const key = `session:${round}`;
      const offsetMs = (round * 4 * REDIS_LATENCY_MS) / ROUNDS;
      await Promise.all([
        reader.entries.read<Live>(key, async () => ({ v: 'live' }), 60_000),
        delay(offsetMs).then(() => writer.entries.write<Live>(key, { v: 'revoked' }, 60_000)),
      ]);
      const stored = await writer.entries.read<Live>(key, async () => ({ v: 'revoked' }), 60_000);
      if (stored.v !== 'revoked') resurrected.push(round);
    }
    expect(resurrected).toEqual([]);
  });

  it('stores fills so that the cache reads them back, and only where no entry is', async () => {
    const { client, entries } = node(redisUrl);
    const fills = redisCacheFills(client);
    await expect(fills.addIfAbsent('fill', { v: 'first' }, 60_000)).resolves.toBe(true);
    await expect(fills.addIfAbsent('fill', { v: 'second' }, 60_000)).resolves.toBe(false);
    await expect(entries.read('fill', async () => ({ v: 'db' }), 60_000)).resolves.toEqual({ v: 'first' });
    expect(await client.pttl('cache:fill')).toBeGreaterThan(59_000);
  });
});

describe('Reads racing a logout over HTTP', () => {
  let own: RedisServer | undefined;
  let t: TestApp;

  beforeAll(async () => {
    const url = process.env.REDIS_URL ?? (own = await startRedisServer()).url;
    t = await createTestApp({ env: authEnv({ REDIS_URL: url }) });
  });
  afterAll(async () => {
    await t?.close();
    await own?.stop();
  });

  it('refuses a logged-out token however its first read interleaved with the logout', async () => {
    const user = await registerAndLogin(t.server);
    const served: number[] = [];
    for (let round = 0; round < 30; round++) {
      const tokens = await login(t.server, user.email, user.password);
      const bearer = `Bearer ${tokens.accessToken}`;
      const [read] = await Promise.all([
        request(t.server).get('/api/v1/users/me').set('Authorization', bearer),
        delay(round % 5).then(() =>
          request(t.server)
            .post('/api/v1/auth/logout')
            .set('Authorization', bearer)
            .send({ refreshToken: tokens.refreshToken })
            .expect(204),
        ),
      ]);
      expect([200, 401]).toContain(read.status);
      const after = await request(t.server).get('/api/v1/users/me').set('Authorization', bearer);
      if (after.status !== 401) served.push(round);
    }
    expect(served).toEqual([]);
  });
});
