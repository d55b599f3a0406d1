import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { AppProcess, freePort, startApp } from './app-process';
import { provisionDatabase, TestDatabase } from './database';
import { NginxProcess, renderComposeNginxConfig, startNginx } from './nginx';

/**
 * N real app processes on one PostgreSQL database and one Redis, optionally behind the
 * compose nginx config, all on loopback. Drives the cluster tests and `npm run cluster`.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ClusterOptions {
  /** Number of app processes; 3 by default. */
  size?: number;
  /** Extra environment for every node (THROTTLE_LIMIT, TRUST_PROXY, ADMIN_EMAIL…). */
  env?: Record<string, string>;
  /** Put nginx in front (its address is `Cluster.url`). */
  nginx?: boolean;
  /** Port for nginx; a free one when omitted. */
  nginxPort?: number;
  /** Use this database as it is; otherwise a fresh one is created on DATABASE_URL's server and dropped at the end. */
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
  const database: TestDatabase = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await freshPostgresDatabase();
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
    await deleteKeys(redisUrl, redisKeyPrefix).catch(() => undefined);
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
  const url = nginx ? `http://127.0.0.1:${nginxPort}` : nodes[0]!.url;
  return { nodes, url, nginx, databaseUrl: database.url, redisKeyPrefix, env, stop };
}

/** A new PostgreSQL database on DATABASE_URL's server (default: the local one). */
async function freshPostgresDatabase(): Promise<TestDatabase> {
  const saved = { TEST_DB: process.env.TEST_DB, DATABASE_URL: process.env.DATABASE_URL };
  process.env.TEST_DB = 'external';
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  try {
    return await provisionDatabase();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

export interface HttpResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of whatever route was called
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  bearer?: string;
  /** Local address to send from (any 127.0.0.x): stands for a distinct client machine. */
  localAddress?: string;
}

/**
 * One request over node:http, which (unlike fetch) can choose the local address and send
 * any header, including X-Forwarded-For. A new connection per request, so the address a
 * server sees is always `localAddress`.
 */
export async function http(url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const req = request(url, {
    method: options.method ?? 'GET',
    headers,
    localAddress: options.localAddress,
    agent: false,
  });
  req.end(payload);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of res) text += chunk;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (nginx's own pages): keep the text.
  }
  return { status: res.statusCode ?? 0, headers: res.headers, body };
}
