import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { automock } from '@test/support/automock';
import { ACTIVE_USERS_FLUSH_MS, activeUsersKey, ActiveUsers } from './active-users';

/** Just the HyperLogLog commands the service uses, as exact sets per key. */
class FakeHyperLogLogs {
  readonly sets = new Map<string, Set<string>>();
  readonly ttls = new Map<string, number>();
  failing: unknown = undefined;
  transactions = 0;

  multi() {
    const ops: (() => void)[] = [];
    const chain = {
      pfadd: (key: string, ...members: string[]) => {
        ops.push(() => this.sets.set(key, new Set([...(this.sets.get(key) ?? []), ...members])));
        return chain;
      },
      pexpire: (key: string, ms: number) => {
        ops.push(() => this.ttls.set(key, ms));
        return chain;
      },
      exec: async () => {
        this.transactions += 1;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a client may reject with anything
        if (this.failing !== undefined) throw this.failing;
        ops.forEach((op) => op());
        return [];
      },
    };
    return chain;
  }

  async pfcount(...keys: string[]): Promise<number> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a client may reject with anything
    if (this.failing !== undefined) throw this.failing;
    return new Set(keys.flatMap((key) => [...(this.sets.get(key) ?? [])])).size;
  }

  /** A Redis client that runs these commands here; any other command fails the test. */
  client(): Redis {
    return Object.assign(automock(Redis), {
      multi: () => this.multi(),
      pfcount: (...keys: string[]) => this.pfcount(...keys),
    });
  }
}

describe(`${ActiveUsers.name} with Redis`, () => {
  const MINUTE = 60_000;
  const t0 = 1_000 * MINUTE;
  let redis: FakeHyperLogLogs;
  let warn: jest.SpyInstance;
  let registry: Registry;
  let sut: ActiveUsers;

  beforeEach(() => {
    redis = new FakeHyperLogLogs();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    registry = new Registry();
    sut = new ActiveUsers(redis.client(), registry);
  });
  afterEach(() => jest.restoreAllMocks());

  it("adds users to the current minute's HyperLogLog, expiring a minute after the window", async () => {
    sut.seen('u1', t0);
    sut.seen('u2', t0 + 1_000);
    expect(redis.transactions).toBe(0);

    await sut.flush();
    expect([...redis.sets.get(activeUsersKey(t0 / MINUTE))!]).toEqual(['u1', 'u2']);
    expect(redis.ttls.get(activeUsersKey(t0 / MINUTE))).toBe(6 * MINUTE);
    expect(redis.transactions).toBe(1);
  });

  it('sends a user at most once a minute, and again in the next minute, one transaction per flush', async () => {
    sut.seen('u1', t0);
    sut.seen('u1', t0 + 1_000);
    await sut.flush();
    sut.seen('u1', t0 + 2_000);
    await sut.flush();
    expect(redis.transactions).toBe(1);

    sut.seen('u1', t0 + MINUTE);
    sut.seen('u2', t0 + MINUTE);
    await sut.flush();
    expect(redis.transactions).toBe(2);
    expect(redis.sets.get(activeUsersKey(t0 / MINUTE + 1))).toEqual(new Set(['u1', 'u2']));
  });

  it('sends what is pending on its own within the flush interval, and on shutdown', async () => {
    jest.useFakeTimers({ now: t0 });
    try {
      sut.seen('u1');
      jest.advanceTimersByTime(ACTIVE_USERS_FLUSH_MS - 1);
      expect(redis.transactions).toBe(0);
      jest.advanceTimersByTime(1);
      expect(redis.transactions).toBe(1);

      sut.seen('u2');
      await sut.beforeApplicationShutdown();
      expect(redis.transactions).toBe(2);
      expect(redis.sets.get(activeUsersKey(t0 / MINUTE))).toEqual(new Set(['u1', 'u2']));
    } finally {
      jest.useRealTimers();
    }
  });

  it('counts the union of the last five minutes in one PFCOUNT, with what was not sent yet', async () => {
    sut.seen('a', t0);
    await sut.flush();
    sut.seen('b', t0 + MINUTE);
    await sut.flush();
    sut.seen('a', t0 + 2 * MINUTE);
    const pfcount = jest.spyOn(redis, 'pfcount');

    expect(await sut.count(t0 + 4 * MINUTE)).toBe(2);
    expect(pfcount).toHaveBeenCalledWith(...[0, 1, 2, 3, 4].map((i) => activeUsersKey(t0 / MINUTE + i)));
    expect(await sut.count(t0 + 6 * MINUTE)).toBe(1);
  });

  it('loses a sighting Redis refused, retrying it on the next request, and warns at most once a minute', async () => {
    redis.failing = new Error('Command timed out');

    sut.seen('u1', t0);
    await expect(sut.flush()).resolves.toBeUndefined();
    sut.seen('u2', t0);
    await sut.flush();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { err: { message: 'Command timed out' } },
      'Active-user tracking could not reach Redis',
    );

    redis.failing = undefined;
    sut.seen('u1', t0);
    expect(await sut.count(t0)).toBe(1);
  });

  it('cannot say how many users are active while Redis fails, and keeps the last value on the gauge', async () => {
    sut.seen('u1');
    const gauge = registry.getSingleMetric('app_active_users')!;
    expect((await gauge.get()).values[0].value).toBe(1);

    redis.failing = 'connection closed';
    expect(await sut.count()).toBeUndefined();
    expect((await gauge.get()).values[0].value).toBe(1);
    expect(warn).toHaveBeenCalledWith({ err: { message: 'connection closed' } }, expect.any(String));
  });
});
