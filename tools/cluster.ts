import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startApp } from './app-process';
import { createDatabase, ScratchDatabase } from './database';
import { freePort } from './free-port';
import { NginxProcess, renderComposeNginxConfig, startNginx } from './nginx';
import { deleteRedisKeys } from './redis-keys';

/**
 * N real app processes on one PostgreSQL database and one Redis, optionally behind the
 * compose nginx config, all on loopback. Drives the cluster tests and `npm run cluster`.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Where a fresh database is created when DATABASE_URL names no server: the local PostgreSQL. */
const DEFAULT_DATABASE_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ClusterOptions {
  /** Number of app processes; 3 by default. */
  size?: number;
  /** Extra environment for every node (THROTTLE_LIMIT, TRUST_PROXY, ADMIN_EMAIL…). */
  env?: Record<string, string>;
  /** Put nginx in front (its address is `Cluster.url`). */
  nginx?: boolean;
  /** Port for nginx; a free one when omitted. */
  nginxPort?: number;
  /** Use this database as it is; otherwise a fresh one on DATABASE_URL's server (or the local PostgreSQL), dropped at the end. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Ports of the app processes; free ones when omitted. */
  ports?: number[];
  /** Boot and readiness budget per node. */
  readyTimeoutMs?: number;
}

export interface Cluster {
  readonly nodes: AppProcess[];
  /** nginx's address when it runs, otherwise the first node's. */
  readonly url: string;
  readonly nginx?: NginxProcess;
  readonly databaseUrl: string;
  /** REDIS_KEY_PREFIX shared by the nodes; unique per cluster so runs never see each other's keys. */
  readonly redisKeyPrefix: string;
  readonly env: Record<string, string>;
  /** Stops nginx and every node, then drops what this cluster created (database, Redis keys, temp files). */
  stop(): Promise<void>;
}

/** Starts the nodes together (they race for the migration lock, as replicas do) and waits until all are ready. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const size = options.size ?? 3;
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const database: ScratchDatabase = options.databaseUrl
    ? { url: options.databaseUrl, drop: () => Promise.resolve() }
    : await createDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_SERVER_URL);
  const redisKeyPrefix = `cluster:${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    // Every node must verify every other node's tokens.
    JWT_ACCESS_SECRET: randomBytes(32).toString('base64url'),
    JWT_REFRESH_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'info',
    ...options.env,
  };

  const nodes: AppProcess[] = [];
  let nginx: NginxProcess | undefined;
  let nginxPort = 0;
  const stop = async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await deleteRedisKeys(redisUrl, redisKeyPrefix).catch(() => undefined);
    await database.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ports = options.ports ?? (await Promise.all(Array.from({ length: size }, () => freePort())));
    nodes.push(...(await Promise.all(ports.map((port) => startApp({ env, port })))));
    await Promise.all(nodes.map((node) => node.waitUntilReady(options.readyTimeoutMs ?? 90_000)));
    if (options.nginx) {
      nginxPort = options.nginxPort ?? (await freePort());
      const upstreams = nodes.map((node) => `127.0.0.1:${node.port}`);
      nginx = await startNginx(dir, renderComposeNginxConfig({ dir, port: nginxPort, upstreams }), nginxPort);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const url = nginx ? `http://127.0.0.1:${nginxPort}` : nodes[0].url;
  return { nodes, url, nginx, databaseUrl: database.url, redisKeyPrefix, env, stop };
}
