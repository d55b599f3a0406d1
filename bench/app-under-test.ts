import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import { withPg } from './round-trips';
import { deleteRedisKeys } from '@tools/redis-keys';
import { waitFor } from '@tools/wait-for';
import { ROOT, Server, startServer } from './servers';

/** A private build: `npm run build` wipes dist/, and other builds must not pull it away mid-run. */
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'bench');
export const APP_ENTRY = join(BUILD_DIR, 'app', 'main.js');

export function buildApp(): void {
  mkdirSync(BUILD_DIR, { recursive: true });
  const tsconfig = join(BUILD_DIR, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({ extends: '../../../tsconfig.build.json', compilerOptions: { outDir: './app', sourceMap: false } }),
  );
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build', '-p', relative(ROOT, tsconfig)],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

export type StoreKind = 'sqlite' | 'postgres';
/** The service's HTTP adapter: express by default, fastify with `HTTP_ADAPTER=fastify`. */
export type HttpAdapter = 'express' | 'fastify';

/**
 * What the targets of one service instance are grouped and named by: the store on the
 * default adapter (`postgres`), the store and the adapter otherwise (`postgres-fastify`).
 */
export const appGroup = (kind: StoreKind, adapter: HttpAdapter): string =>
  adapter === 'express' ? kind : `${kind}-${adapter}`;

/**
 * All the bench changes from a default deployment (the defaults of docs/configuration and
 * .env.example), besides the store, the secrets and the seeded admin: what the load needs
 * so that it is not refused. Everything else (THROTTLE_TTL 60s, TRUST_PROXY off, LOG_LEVEL
 * info with stdout in a file, the pool sizes) stays as deployed. Without a trusted proxy
 * every load connection is the same client, 127.0.0.1, so one budget counts the whole load.
 */
export const BENCH_OVERRIDES: Readonly<Record<string, string>> = {
  // The throttler stays on (its bookkeeping is part of the cost) with a budget the load cannot exhaust.
  THROTTLE_LIMIT: '1000000',
  // The seeding registers 30 users from one address; the default allows 10 a minute.
  THROTTLE_REGISTER_LIMIT: '1000000',
  // The login scenario signs one account in from one address, 50 at a time: the failure
  // counters reserve an attempt per login in flight, so their limits are a budget too.
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '10000',
  LOGIN_MAX_FAILURES_PER_CLIENT: '10000',
  LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL: '10000',
  // 50 logins at once wait for one hashing thread (cores - 1 on 2 cores); past the default
  // of 32 waiting the service answers 503 hashing_busy, which would be refused load.
  PASSWORD_HASH_QUEUE_MAX: '64',
  // Outlives a full run, so no token expires between rounds.
  JWT_ACCESS_TTL: '2h',
  // Only how long a stop takes: the bench stops the service once it is idle.
  SHUTDOWN_DELAY_MS: '0',
};

/** The service's environment as printed in the bench output: secrets shown by length only. */
export function printableEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([key]) => key !== 'PORT')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, /(SECRET|PASSWORD)$/.test(key) ? `<${value.length} random characters>` : value]),
  );
}

export interface AppUnderTest {
  kind: StoreKind;
  adapter: HttpAdapter;
  /** See appGroup. */
  group: string;
  server: Server;
  /** The environment the service runs with (PORT aside). */
  env: Record<string, string>;
  /** Its own PostgreSQL database, for the transaction counters. */
  database?: string;
  /** Token of an ordinary user, for `/users/me`. */
  userToken: string;
  adminToken: string;
  login: { email: string; password: string };
  /** Whether the app wrote anything under its Redis key prefix (it honours REDIS_URL). */
  redisKeys(): Promise<number>;
  dispose(): Promise<void>;
}

export interface AppOptions {
  kind: StoreKind;
  /** Unset: express, with HTTP_ADAPTER unset as in a default deployment. */
  adapter?: HttpAdapter;
  /** Tells several instances of one kind apart in their log files. */
  name?: string;
  workDir: string;
  postgresUrl: string;
  redisUrl: string;
  /** Extra node arguments (a CPU-profile hook). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

const PASSWORD = 'bench-password-1234';
/** More users than one page of `?limit=20`, so the admin listing serialises a full page. */
const SEEDED_USERS = 30;

/**
 * Starts the built service in production mode with its real middleware, on a fresh store
 * (an SQLite file, or a PostgreSQL database of its own plus a Redis key prefix of its
 * own), and prepares the users and tokens the scenarios need.
 */
export async function startAppUnderTest(options: AppOptions): Promise<AppUnderTest> {
  const id = randomBytes(4).toString('hex');
  let databaseUrl: string;
  let database: string | undefined;
  let dropDatabase = async (): Promise<void> => undefined;
  const storeEnv: Record<string, string> = {};
  if (options.kind === 'sqlite') {
    databaseUrl = `sqlite:${join(options.workDir, `bench-${id}.sqlite`)}`;
  } else {
    const name = `bench_${id}`;
    database = name;
    await withPg(options.postgresUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const target = new URL(options.postgresUrl);
    target.pathname = `/${name}`;
    databaseUrl = target.toString();
    dropDatabase = async () => {
      await withPg(options.postgresUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    };
    storeEnv.REDIS_URL = options.redisUrl;
  }
  const adapter = options.adapter ?? 'express';
  const group = appGroup(options.kind, adapter);
  const redisPrefix = `bench:${id}:`;
  const admin = { email: `admin-${id}@example.com`, password: PASSWORD };

  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_ACCESS_SECRET: randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...BENCH_OVERRIDES,
    // Passed through, to try pool sizes without editing the harness.
    ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
    ...storeEnv,
    ...(adapter === 'express' ? {} : { HTTP_ADAPTER: adapter }),
    ...options.env,
  };
  const server = await startServer({
    name: `app (${group})`,
    args: [...(options.nodeArgs ?? []), APP_ENTRY],
    logFile: join(options.workDir, `app-${group}${options.name ? `-${options.name}` : ''}.log`),
    readyPath: '/health/ready',
    env,
  }).catch(async (error: unknown) => {
    await dropDatabase();
    throw error;
  });
  // The figures are labelled with an adapter: the one the service says it listens on.
  await waitFor(() => listeningAdapter(server.logFile) === adapter, {
    timeoutMs: 5_000,
    what: `${group} to listen on ${adapter}`,
  }).catch(async (error: unknown) => {
    await server.stop();
    await dropDatabase();
    throw error;
  });

  const api = `${server.url}/api/v1`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const users = Array.from({ length: SEEDED_USERS }, (_, i) => ({
    email: `user-${i}-${id}@example.com`,
    password: PASSWORD,
    name: `Bench User ${i}`,
  }));
  // A few at a time: each registration is an argon2 hash on a hashing thread.
  for (let i = 0; i < users.length; i += 4) {
    await Promise.all(users.slice(i, i + 4).map((u) => post('/auth/register', u)));
  }
  const login = { email: users[0].email, password: PASSWORD };
  const userToken = String((await post('/auth/login', login)).accessToken);
  const adminToken = String((await post('/auth/login', admin)).accessToken);

  const redisKeys = async (): Promise<number> => {
    if (options.kind !== 'postgres') return 0;
    const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let count = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        count += keys.length;
      } while (cursor !== '0');
      return count;
    } finally {
      redis.disconnect();
    }
  };

  return {
    kind: options.kind,
    adapter,
    group,
    server,
    env,
    database,
    userToken,
    adminToken,
    login,
    redisKeys,
    dispose: async () => {
      await server.stop();
      await dropDatabase();
      // Nothing to clean, or Redis is gone: the prefix is unique to this run either way.
      if (options.kind === 'postgres') await deleteRedisKeys(options.redisUrl, redisPrefix).catch(() => undefined);
    },
  };
}

/** The adapter named by the service's "Listening on port …" line, once it is in the log. */
function listeningAdapter(logFile: string): string | undefined {
  return /Listening on port \d+ \(\w+, (\w+)\)/.exec(readFileSync(logFile, 'utf8'))?.[1];
}
