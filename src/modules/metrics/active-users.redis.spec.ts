import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { automock } from '@test/support/automock';
import { activeUsersKey, ActiveUsers } from './active-users';

/** Just the HyperLogLog commands the service uses, as exact sets per key. */
class FakeHyperLogLogs {
  readonly sets = new Map<string, Set<string>>();
  readonly ttls = new Map<string, number>();
  failing: unknown = undefined;
  transactions = 0;

  multi() {
    const ops: (() => void)[] = [];
    const chain = {
      pfadd: (key: string, member: string) => {
        ops.push(() => this.sets.set(key, (this.sets.get(key) ?? new Set()).add(member)));
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

  it("adds a user to the current minute's HyperLogLog, expiring a minute after the window", async () => {
    await sut.seen('u1', t0);

    expect([...redis.sets.get(activeUsersKey(t0 / MINUTE))!]).toEqual(['u1']);
    expect(redis.ttls.get(activeUsersKey(t0 / MINUTE))).toBe(6 * MINUTE);
  });

  it('reports a user at most once a minute, and again in the next minute', async () => {
    await sut.seen('u1', t0);
    await sut.seen('u1', t0 + 1_000);
    expect(redis.transactions).toBe(1);

    await sut.seen('u1', t0 + MINUTE);
    expect(redis.transactions).toBe(2);
  });

  it('counts the union of the last five minutes in one PFCOUNT', async () => {
    await sut.seen('a', t0);
    await sut.seen('b', t0 + MINUTE);
    await sut.seen('a', t0 + 2 * MINUTE);
    const pfcount = jest.spyOn(redis, 'pfcount');

    expect(await sut.count(t0 + 4 * MINUTE)).toBe(2);
    expect(pfcount).toHaveBeenCalledWith(...[0, 1, 2, 3, 4].map((i) => activeUsersKey(t0 / MINUTE + i)));
    expect(await sut.count(t0 + 6 * MINUTE)).toBe(1);
  });

  it('loses a sighting Redis refused, retrying it on the next request, and warns at most once a minute', async () => {
    redis.failing = new Error('Command timed out');

    await expect(sut.seen('u1', t0)).resolves.toBeUndefined();
    await sut.seen('u2', t0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { err: { message: 'Command timed out' } },
      'Active-user tracking could not reach Redis',
    );

    redis.failing = undefined;
    await sut.seen('u1', t0);
    expect(await sut.count(t0)).toBe(1);
  });

  it('cannot say how many users are active while Redis fails, and keeps the last value on the gauge', async () => {
    await sut.seen('u1');
    const gauge = registry.getSingleMetric('app_active_users')!;
    expect((await gauge.get()).values[0].value).toBe(1);

    redis.failing = 'connection closed';
    expect(await sut.count()).toBeUndefined();
    expect((await gauge.get()).values[0].value).toBe(1);
    expect(warn).toHaveBeenCalledWith({ err: { message: 'connection closed' } }, expect.any(String));
  });
});
