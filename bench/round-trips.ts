import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';

/**
 * Counters of the service's round trips: Redis commands from `INFO commandstats` and
 * PostgreSQL transactions from `pg_stat_database`, read before and after a phase and
 * divided by the requests it served.
 */
export interface RoundTripCounts {
  /** Calls per Redis command (`evalsha`, `mget`, …), server-wide, those run by scripts included. */
  redis: Record<string, number>;
  /** Committed plus rolled-back transactions of the service's own database. */
  pgTransactions?: number;
}

export interface RoundTrips {
  /** Commands the service sent (a script call is one, whatever it runs). */
  redisCommandsPerRequest: number;
  /** Per command sent, only those sent at least once per 100 requests. */
  redisByCommand: Record<string, number>;
  /** Commands the scripts ran inside Redis, which cost no round trip. */
  redisScriptCommandsPerRequest?: number;
  /** One autocommit statement is one transaction, so for the queries TypeORM sends outside a transaction this counts queries. */
  pgTransactionsPerRequest?: number;
}

/**
 * Counts the commands Redis receives meanwhile, through MONITOR: those the clients sent,
 * by name, apart from those scripts ran (\`INFO commandstats\` counts both alike).
 */
export async function watchRedisCommands(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const monitor = await redis.monitor();
  const sent: Record<string, number> = {};
  let byScripts = 0;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') byScripts++;
    else sent[args[0].toLowerCase()] = (sent[args[0].toLowerCase()] ?? 0) + 1;
  });
  return {
    stop(): { sent: Record<string, number>; byScripts: number } {
      monitor.disconnect();
      redis.disconnect();
      return { sent, byScripts };
    },
  };
}

export async function redisCommandStats(url: string): Promise<Record<string, number>> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const text = await redis.info('commandstats');
    const calls: Record<string, number> = {};
    for (const [, name, count] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[name] = Number(count);
    return calls;
  } finally {
    redis.disconnect();
  }
}

/** Transactions of one database, as its backends last flushed them. */
export async function pgTransactions(maintenanceUrl: string, database: string): Promise<number> {
  return withPg(maintenanceUrl, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [database],
    );
    return Number(rows[0]?.n ?? NaN);
  });
}

/**
 * Waits until every backend of the database has been idle for longer than PostgreSQL's
 * idle flush interval (10 s), so that `pg_stat_database` holds all its transactions: a
 * busy backend flushes its counters at most once a second, an idle one 10 s after its
 * last statement.
 */
export async function pgStatsSettled(maintenanceUrl: string, database: string): Promise<void> {
  await waitFor(
    () =>
      withPg(maintenanceUrl, async (client) => {
        const { rows } = await client.query<{ busy: string }>(
          `SELECT count(*) AS busy FROM pg_stat_activity
            WHERE datname = $1 AND (state <> 'idle' OR state_change > now() - interval '11 seconds')`,
          [database],
        );
        return Number(rows[0].busy) === 0;
      }),
    { timeoutMs: 90_000, intervalMs: 500, what: `the backends of ${database} to flush their counters` },
  );
}

/** Runs `fn` on a connection of its own to `url`, closed afterwards. */
export async function withPg<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** What one phase cost in round trips; `info` and `client` commands are the bench's own readings. */
export function roundTrips(before: RoundTripCounts, after: RoundTripCounts, requests: number): RoundTrips {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, calls] of Object.entries(after.redis)) {
    if (name === 'info' || name.startsWith('client')) continue;
    const delta = calls - (before.redis[name] ?? 0);
    total += delta;
    if (delta / requests >= 0.01) byCommand[name] = delta / requests;
  }
  const pg =
    before.pgTransactions !== undefined && after.pgTransactions !== undefined
      ? Math.max(0, after.pgTransactions - before.pgTransactions) / requests
      : undefined;
  return { redisCommandsPerRequest: total / requests, redisByCommand: byCommand, pgTransactionsPerRequest: pg };
}

/**
 * A Redis server of the bench's own, so `INFO commandstats` counts only the service's
 * commands (a shared Redis also serves other test runs on this machine). Not persisted.
 */
export async function startPrivateRedis(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  const url = `redis://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(
      async () => {
        const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        redis.on('error', () => undefined);
        try {
          await redis.connect();
          return (await redis.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          redis.disconnect();
        }
      },
      { timeoutMs: 15_000, what: `redis-server on port ${port}` },
    ),
    exited.then(([code]) => {
      throw new Error(`redis-server exited with ${String(code)} before it answered`);
    }),
  ]);
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
