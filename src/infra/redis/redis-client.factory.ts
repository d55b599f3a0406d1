import { Logger } from '@nestjs/common';
import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisConfig } from '@/config/configuration';

/** The one Redis connection of the process: a single server (or a Sentinel-managed master) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A new TCP connection that has not completed within this gives up and enters the reconnect loop. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect delays grow from 100 ms and are capped here; reconnecting never stops. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;

/** Capped exponential backoff with jitter, so a fleet does not reconnect in lockstep after a Redis restart. */
export function reconnectDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(REDIS_MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * A quarter below the command timeout, so the dead connection is gone by the time the first
 * command fails. Were it equal, commands that auto-pipelining held back behind the failing
 * one would still be written to the doomed socket and wait out a second command timeout.
 */
export const socketTimeoutMs = (commandTimeoutMs: number) => Math.max(1, Math.round(commandTimeoutMs * 0.75));

/**
 * Options shared by every topology. Everything is bounded so that a request never waits
 * on a sick Redis for longer than REDIS_COMMAND_TIMEOUT:
 *
 * - `enableOfflineQueue: false`: while disconnected a command fails at once instead of
 *   queueing until a reconnect that may never come. Callers treat the failure as a cache
 *   miss or a storage error and degrade (see docs/scaling.md).
 * - `maxRetriesPerRequest: 1`: a command caught by a dropped connection is retried once.
 * - `commandTimeout`: a connected but unresponsive server (paused, overloaded) fails the
 *   command after the configured time.
 * - `socketTimeout` ({@link socketTimeoutMs}): a connection on which a command got no byte
 *   back within it is taken for dead (a partitioned path) and dropped, and the client
 *   reconnects. Until it is ready again every command fails at once, so a request that
 *   needs several commands waits out one command timeout, not one per command.
 * - `enableAutoPipelining`: commands issued in the same event-loop tick (the rate-limit
 *   check and cache reads of concurrent requests) go out in one socket write; one write
 *   per command was the largest single cost of an authenticated read (docs/benchmarks.md).
 */
function baseOptions(cfg: RedisConfig): RedisOptions {
  return {
    keyPrefix: cfg.keyPrefix,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: cfg.commandTimeoutMs,
    socketTimeout: socketTimeoutMs(cfg.commandTimeoutMs),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => reconnectDelayMs(attempt),
    connectionName: 'nest-enterprise-backend',
    enableAutoPipelining: true,
  };
}

const hostPort = (entry: string) => {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
};

/**
 * Builds the client for whichever of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS is
 * set (the schema allows only one), or `null` when none is. Keys of a Lua script must
 * share a hash tag (`{…}`) to work on a Cluster; the prefix goes in front of the tag.
 * `overrides` serves a connection that must differ from the shared one (the job queues').
 */
export function createRedisClient(
  cfg: RedisConfig,
  logger = new Logger('Redis'),
  overrides: Partial<RedisOptions> = {},
): RedisClient | null {
  if (!cfg.enabled) return null;
  const options = { ...baseOptions(cfg), ...overrides };
  let client: RedisClient;
  if (cfg.clusterNodes.length > 0) {
    const { keyPrefix, enableOfflineQueue, maxRetriesPerRequest, retryStrategy, ...redisOptions } = options;
    client = new Cluster(cfg.clusterNodes.map(hostPort), {
      keyPrefix,
      enableOfflineQueue,
      enableAutoPipelining: true,
      maxRedirections: 4,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...redisOptions, maxRetriesPerRequest },
    });
  } else if (cfg.sentinels.length > 0) {
    client = new Redis({ ...options, sentinels: cfg.sentinels.map(hostPort), name: cfg.sentinelName });
  } else {
    client = new Redis(cfg.url!, options);
  }
  watchConnection(client, logger);
  return client;
}

/**
 * Logs connection state changes once each, not once per failed reconnect: a Redis that is
 * down for an hour must not write a warning every 2 seconds on every instance. Without an
 * `error` listener ioredis would print every error to stderr itself.
 */
function watchConnection(client: RedisClient, logger: Logger): void {
  let healthy = false;
  let reported = false;
  client.on('ready', () => {
    if (reported) logger.log('Redis connection restored');
    healthy = true;
    reported = false;
  });
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    const message = healthy ? 'Redis connection lost; reconnecting' : 'Redis unreachable; retrying in the background';
    logger.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, message);
    healthy = false;
  });
}

/** `QUIT` lets the server answer what is in flight; if it does not within `timeoutMs`, the socket is dropped. */
export async function closeRedisClient(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([client.quit().catch(() => 'failed' as const), timedOut]);
    if (result !== 'OK') client.disconnect(false);
  } finally {
    clearTimeout(timer);
  }
}
