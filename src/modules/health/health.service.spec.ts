import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheckResult, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource, DataSourceOptions } from 'typeorm';
import { automock } from '@test/support/automock';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { DatabaseWritableIndicator } from './database-writable.indicator';
import { HealthService } from './health.service';

describe(HealthService.name, () => {
  let sut: HealthService;
  let lifecycle: LifecycleService;
  let redis: { ping: jest.Mock } | null;
  let database: { pingCheck: jest.Mock };

  /** `server` makes the store a PostgreSQL server answering `transaction_read_only`; the SQLite file otherwise. */
  async function build(withRedis: boolean, server?: { readOnly: boolean }): Promise<void> {
    redis = withRedis ? { ping: jest.fn().mockResolvedValue('PONG') } : null;
    database = { pingCheck: jest.fn(async (key: string) => ({ [key]: { status: 'up' } })) };
    const dataSource = automock(DataSource, {
      options: automock<DataSourceOptions>('DataSourceOptions', { type: server ? 'postgres' : 'better-sqlite3' }),
      query: async () => [{ read_only: server?.readOnly }] as never,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      providers: [
        HealthService,
        LifecycleService,
        DatabaseWritableIndicator,
        { provide: DataSource, useValue: dataSource },
        { provide: REDIS_CLIENT, useValue: redis as RedisClient | null },
      ],
    })
      .overrideProvider(TypeOrmHealthIndicator)
      .useValue(database)
      .compile();
    sut = moduleRef.get(HealthService);
    lifecycle = moduleRef.get(LifecycleService);
  }

  /** Terminus throws a 503 carrying its standard body; either way, the body is what probes read. */
  async function readiness(): Promise<HealthCheckResult> {
    try {
      return await sut.checkReadiness();
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return error.getResponse() as HealthCheckResult;
      throw error;
    }
  }

  afterEach(() => jest.useRealTimers());

  it('checks only the database, with a bounded ping, when Redis is not configured', async () => {
    await build(false);

    const result = await readiness();

    expect(result.status).toBe('ok');
    expect(Object.keys(result.details)).toEqual(['shutdown', 'database']);
    expect(database.pingCheck).toHaveBeenCalledWith('database', { timeout: 1500 });
  });

  it('also asks a database server whether it takes writes', async () => {
    await build(false, { readOnly: false });

    const result = await readiness();

    expect(result.status).toBe('ok');
    expect(Object.keys(result.details)).toEqual(['shutdown', 'database', 'database_writable']);
  });

  it('is not ready on a database server that answers but takes no writes, as a standby does', async () => {
    await build(true, { readOnly: true });

    const result = await readiness();

    expect(result).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { database_writable: { status: 'down', message: expect.stringContaining('accepts no writes') } },
    });
    expect(sut.summarise(result)).toEqual({
      status: 'unavailable',
      summary: 'Not ready: database_writable is down.',
      checks: { shutdown: 'up', database: 'up', database_writable: 'down', redis: 'up' },
    });
  });

  it('reports only the database when a server that does not answer cannot say whether it takes writes', async () => {
    await build(false, { readOnly: false });
    database.pingCheck.mockResolvedValue({ database: { status: 'down', message: 'timeout of 1500ms exceeded' } });

    const result = await readiness();

    expect(Object.keys(result.details)).toEqual(['shutdown', 'database']);
    expect(sut.summarise(result).summary).toBe('Not ready: database is down.');
  });

  it('is ready when Redis answers its ping', async () => {
    await build(true);

    const result = await readiness();

    expect(result).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
    expect(redis!.ping).toHaveBeenCalledTimes(1);
  });

  it('is not ready, naming Redis and its error, when the ping fails', async () => {
    await build(true);
    redis!.ping.mockRejectedValue(new Error("Stream isn't writeable and enableOfflineQueue options is false"));

    const result = await readiness();

    expect(result).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down', message: "Stream isn't writeable and enableOfflineQueue options is false" } },
    });
    expect(sut.summarise(result)).toEqual({
      status: 'unavailable',
      summary: 'Not ready: redis is down.',
      checks: { shutdown: 'up', database: 'up', redis: 'down' },
    });
  });

  it('reports a failed ping even when the client rejects with something that is not an Error', async () => {
    await build(true);
    redis!.ping.mockRejectedValue('closed');

    expect(await readiness()).toMatchObject({ error: { redis: { status: 'down', message: 'ping failed' } } });
  });

  it('gives up on a Redis that does not answer within a second', async () => {
    await build(true);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    redis!.ping.mockReturnValue(new Promise(() => undefined));

    const pending = readiness();
    await jest.advanceTimersByTimeAsync(999);
    let settled = false;
    void pending.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);

    expect(await pending).toMatchObject({ error: { redis: { status: 'down', message: 'no answer within 1000 ms' } } });
  });

  it('is not ready while draining, and lists every dependency that is down', async () => {
    await build(true);
    redis!.ping.mockRejectedValue(new Error('down'));
    lifecycle.beginShutdown();

    const result = await readiness();

    expect(result.error).toMatchObject({ shutdown: { status: 'down', reason: 'draining' } });
    expect(sut.summarise(result).summary).toBe('Not ready: shutdown, redis are down.');
  });

  it('summarises a ready instance', async () => {
    await build(false);

    expect(sut.summarise(await readiness())).toEqual({
      status: 'ok',
      summary: 'Ready: every dependency answers.',
      checks: { shutdown: 'up', database: 'up' },
    });
  });
});
