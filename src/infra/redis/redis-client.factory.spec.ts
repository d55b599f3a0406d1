import { Logger } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import type { RedisConfig } from '@/config/configuration';
import { automock } from '@test/support/automock';
import {
  closeRedisClient,
  createRedisClient,
  REDIS_CONNECT_TIMEOUT_MS,
  REDIS_MAX_RECONNECT_DELAY_MS,
  RedisClient,
  socketTimeoutMs,
} from './redis-client.factory';

const redisConfig = (overrides: Partial<RedisConfig> = {}): RedisConfig => ({
  url: 'redis://127.0.0.1:1',
  clusterNodes: [],
  sentinels: [],
  sentinelName: 'mymaster',
  keyPrefix: 'app:',
  commandTimeoutMs: 750,
  enabled: true,
  ...overrides,
});

const fakeLogger = () => automock(Logger, { log: () => undefined, warn: () => undefined });

/**
 * A loopback server speaking just enough RESP for ioredis: every command is answered `+OK`
 * (CLIENT SETNAME, the INFO of the ready check, QUIT, which also closes the connection as
 * Redis does), or never when `silent`.
 */
class FakeRedisServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  silent = false;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        if (this.silent) return;
        const text = chunk.toString();
        socket.write('+OK\r\n'.repeat(text.match(/^\*\d+\r$/gm)?.length ?? 0));
        if (/^quit\r$/im.test(text)) socket.end();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((done) => this.server.listen(port, '127.0.0.1', done));
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every connection, like a Redis that was killed. */
  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((done) => this.server.close(() => done()));
  }
}

const once = (client: RedisClient, event: string) => new Promise<void>((done) => client.once(event, () => done()));

const errors = (client: RedisClient, count: number) =>
  new Promise<void>((done) => {
    let seen = 0;
    client.on('error', () => {
      seen += 1;
      if (seen === count) done();
    });
  });

describe('createRedisClient', () => {
  const clients: RedisClient[] = [];
  const track = <T extends RedisClient | null>(client: T): T => {
    if (client) clients.push(client);
    return client;
  };

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('builds no client when Redis is not configured', () => {
    expect(createRedisClient(redisConfig({ url: undefined, enabled: false }), fakeLogger())).toBeNull();
  });

  it('connects to REDIS_URL with bounded timeouts, no offline queue, the key prefix and auto-pipelining', () => {
    const sut = track(createRedisClient(redisConfig({ url: 'redis://127.0.0.1:1/2' }), fakeLogger()));

    expect(sut).toBeInstanceOf(Redis);
    expect((sut as Redis).options).toMatchObject({
      host: '127.0.0.1',
      port: 1,
      db: 2,
      keyPrefix: 'app:',
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      commandTimeout: 750,
      socketTimeout: socketTimeoutMs(750),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      connectionName: 'nest-enterprise-backend',
    });
  });

  it('reconnects forever with a growing delay capped at the maximum', () => {
    const sut = track(createRedisClient(redisConfig(), fakeLogger())) as Redis;
    const retry = sut.options.retryStrategy!;

    const delays = [1, 3, 30].map((attempt) => retry(attempt) as number);

    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(200);
    expect(delays[1]).toBeGreaterThanOrEqual(400);
    expect(delays[2]).toBeGreaterThanOrEqual(REDIS_MAX_RECONNECT_DELAY_MS / 2);
    expect(delays[2]).toBeLessThanOrEqual(REDIS_MAX_RECONNECT_DELAY_MS);
  });

  it('builds a Cluster client from REDIS_CLUSTER_NODES, prefixing keys and retrying per node only once', () => {
    const cfg = redisConfig({ url: undefined, clusterNodes: ['127.0.0.1:1', 'redis-b.local:7001'], keyPrefix: 'p:' });

    const sut = track(createRedisClient(cfg, fakeLogger())) as Cluster;

    expect(sut).toBeInstanceOf(Cluster);
    expect(sut.options).toMatchObject({
      keyPrefix: 'p:',
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRedirections: 4,
      redisOptions: expect.objectContaining({
        commandTimeout: 750,
        connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
        maxRetriesPerRequest: 1,
        connectionName: 'nest-enterprise-backend',
      }),
    });
    expect(sut.options.redisOptions).not.toHaveProperty('keyPrefix');
    expect(sut.options.clusterRetryStrategy!(30)).toBeLessThanOrEqual(REDIS_MAX_RECONNECT_DELAY_MS);
    // Private in ioredis's types; the seed list is what the client was built from.
    expect(sut['startupNodes']).toEqual([
      { host: '127.0.0.1', port: 1 },
      { host: 'redis-b.local', port: 7001 },
    ]);
  });

  it('asks REDIS_SENTINELS for the master named REDIS_SENTINEL_NAME', () => {
    const cfg = redisConfig({ url: undefined, sentinels: ['127.0.0.1:1', '10.0.0.2:26379'], sentinelName: 'main' });

    const sut = track(createRedisClient(cfg, fakeLogger())) as Redis;

    expect(sut).toBeInstanceOf(Redis);
    expect(sut.options).toMatchObject({
      name: 'main',
      sentinels: [
        { host: '127.0.0.1', port: 1 },
        { host: '10.0.0.2', port: 26379 },
      ],
      keyPrefix: 'app:',
      enableOfflineQueue: false,
      commandTimeout: 750,
    });
  });

  it('drops a silent connection before its command times out', () => {
    expect(socketTimeoutMs(1_000)).toBe(750);
    expect(socketTimeoutMs(1)).toBe(1);
  });

  it('drops a connection that stops answering, so the commands after a timed-out one fail at once', async () => {
    const server = new FakeRedisServer();
    await server.listen();
    try {
      const cfg = redisConfig({ url: `redis://127.0.0.1:${server.port}`, commandTimeoutMs: 200 });
      const sut = track(createRedisClient(cfg, fakeLogger()))!;
      await once(sut, 'ready');
      server.silent = true;
      const lost = once(sut, 'close');

      const started = Date.now();
      const first = sut.get('first');
      // Issued once the first has been written (auto-pipelining flushes in the check phase),
      // so it waits behind the first, as a concurrent request's would.
      await new Promise((flushed) => setImmediate(flushed));
      const second = sut.get('second');
      await expect(first).rejects.toThrow('Command timed out');
      const firstMs = Date.now() - started;
      await expect(second).rejects.toThrow(/enableOfflineQueue/);
      const secondMs = Date.now() - started;
      await lost;
      const next = Date.now();
      await expect(sut.get('third')).rejects.toThrow(/enableOfflineQueue/);

      // Not a second full timeout for the second, and none at all for the third.
      expect(firstMs).toBeGreaterThanOrEqual(190);
      expect(secondMs).toBeLessThan(firstMs + 150);
      expect(Date.now() - next).toBeLessThan(100);
    } finally {
      await server.stop();
    }
  });

  describe('connection state logging', () => {
    let server: FakeRedisServer;

    beforeEach(async () => {
      server = new FakeRedisServer();
      await server.listen();
    });
    afterEach(() => server.stop());

    it('warns once while Redis stays unreachable, however many reconnects fail', async () => {
      await server.stop();
      const logger = fakeLogger();

      const sut = track(createRedisClient(redisConfig({ url: `redis://127.0.0.1:${server.port}` }), logger))!;
      await errors(sut, 3);

      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        { err: expect.objectContaining({ code: 'ECONNREFUSED' }) },
        'Redis unreachable; retrying in the background',
      );
      expect(logger.log).not.toHaveBeenCalled();
      server = new FakeRedisServer();
      await server.listen();
    });

    it('warns once when a ready connection is lost, and logs when it is restored', async () => {
      const logger = fakeLogger();
      const url = `redis://127.0.0.1:${server.port}`;
      const sut = track(createRedisClient(redisConfig({ url }), logger))!;
      await once(sut, 'ready');
      const port = server.port;

      const failing = errors(sut, 2);
      await server.stop();
      await failing;
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(expect.anything(), 'Redis connection lost; reconnecting');

      server = new FakeRedisServer();
      await server.listen(port);
      await once(sut, 'ready');
      expect(logger.log).toHaveBeenCalledWith('Redis connection restored');
    });
  });
});

describe('closeRedisClient', () => {
  let server: FakeRedisServer;

  beforeEach(async () => {
    server = new FakeRedisServer();
    await server.listen();
  });
  afterEach(() => server.stop());

  const connected = async () => {
    const client = createRedisClient(redisConfig({ url: `redis://127.0.0.1:${server.port}` }), fakeLogger())!;
    await once(client, 'ready');
    return client;
  };

  it('quits gracefully when the server answers QUIT', async () => {
    const sut = await connected();
    const ended = once(sut, 'end');
    const quit = jest.spyOn(sut, 'quit');
    const disconnect = jest.spyOn(sut, 'disconnect');

    await closeRedisClient(sut);

    await expect(quit.mock.results[0].value).resolves.toBe('OK');
    expect(disconnect).not.toHaveBeenCalled();
    await ended;
  });

  it('drops the socket when the server does not answer QUIT in time', async () => {
    const sut = await connected();
    server.silent = true;
    const ended = once(sut, 'end');
    const disconnect = jest.spyOn(sut, 'disconnect');

    const started = Date.now();
    await closeRedisClient(sut, 50);

    expect(Date.now() - started).toBeLessThan(700);
    expect(disconnect).toHaveBeenCalledWith(false);
    await ended;
  });

  it('drops the socket when QUIT cannot be sent at all', async () => {
    await server.stop();
    const sut = createRedisClient(redisConfig({ url: `redis://127.0.0.1:${server.port}` }), fakeLogger())!;
    await errors(sut, 1);
    const disconnect = jest.spyOn(sut, 'disconnect');

    await closeRedisClient(sut);

    expect(disconnect).toHaveBeenCalledWith(false);
    server = new FakeRedisServer();
    await server.listen();
  });

  it('does nothing for a client that has already ended', async () => {
    const sut = await connected();
    const ended = once(sut, 'end');
    await sut.quit();
    await ended;
    const quit = jest.spyOn(sut, 'quit');

    await closeRedisClient(sut);

    expect(quit).not.toHaveBeenCalled();
  });
});
