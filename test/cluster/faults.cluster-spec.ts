import { execFileSync, execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import type { TestDatabase } from '@test/support/database';
import { Account, freshDatabase, problemWording, signUp } from '@test/support/resilience';

/**
 * The machine's own Redis and PostgreSQL servers are stopped under a running instance and
 * started again: the instance must degrade as documented, answer within a bound throughout,
 * and recover by itself, without a restart. Other suites share these servers, so each
 * outage lasts a few seconds, and the servers are started again whatever happens.
 */

const REDIS_PORT = 6379;
/** Every answer during an outage comes back within this; the pool gives up connecting after 2 s. */
const BOUND_MS = 3_000;

const redisUp = () => {
  try {
    return (
      execFileSync('redis-cli', ['-p', String(REDIS_PORT), 'ping'], {
        encoding: 'utf8',
        timeout: 2_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() === 'PONG'
    );
  } catch {
    return false;
  }
};
const stopRedis = () => execFileSync('redis-cli', ['-p', String(REDIS_PORT), 'shutdown', 'nosave'], { timeout: 5_000 });
const startRedis = () => {
  if (redisUp()) return;
  execSync(
    `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port ${REDIS_PORT} --save "" --appendonly no --dir /var/lib/redis`,
    { timeout: 10_000 },
  );
};

const pgVersion = () => readdirSync('/etc/postgresql')[0];
const pgUp = () => {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { timeout: 2_000 });
    return true;
  } catch {
    return false;
  }
};
const pgctl = (action: 'start' | 'stop') =>
  execFileSync(
    'pg_ctlcluster',
    ['--skip-systemctl-redirect', pgVersion(), 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])],
    { timeout: 30_000, stdio: 'ignore' },
  );

interface Timed {
  status: number;
  ms: number;
  body: Record<string, unknown>;
}

async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(BOUND_MS * 3) });
  const text = await res.text();
  return {
    status: res.status,
    ms: Date.now() - started,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('dependency faults (real servers stopped and started)', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let user: Account;

  const login = (account: Account) =>
    timed(`${app.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: account.email, password: account.password }),
    });
  const me = () => timed(`${app.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
  const rename = (name: string) =>
    timed(`${app.url}/api/v1/users/me`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name }),
    });
  const ready = () => timed(`${app.url}/health/ready`);
  const live = () => timed(`${app.url}/health/live`);

  beforeAll(async () => {
    startRedis();
    if (!pgUp()) pgctl('start');
    db = await freshDatabase();
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL ?? `redis://127.0.0.1:${REDIS_PORT}`,
        DATABASE_CONNECT_TIMEOUT: '2s',
        LOG_LEVEL: 'warn',
      },
    });
    await app.waitUntilReady(60_000);
    user = await signUp(app.url, 'faults');
  });

  afterAll(async () => {
    // Whatever happened above, the shared servers are left running.
    startRedis();
    if (!pgUp()) pgctl('start');
    await waitFor(redisUp, { what: 'Redis to answer' });
    await waitFor(pgUp, { what: 'PostgreSQL to answer' });
    await app?.stop();
    await db?.drop();
  });

  const noCrash = () => {
    expect(app.child.exitCode).toBeNull();
    expect(app.output.filter((line) => /unhandled|uncaught|"level":60/i.test(line))).toEqual([]);
  };

  it('keeps answering with Redis stopped, reports it in readiness, and recovers when it returns', async () => {
    let during: Record<string, Timed>;
    try {
      stopRedis();
      await waitFor(() => !redisUp(), { what: 'Redis to stop' });
      const notReady = await waitFor(
        async () => {
          const res = await ready();
          return res.status === 503 ? res : undefined;
        },
        { timeoutMs: 10_000 },
      );
      during = {
        ready: notReady,
        live: await live(),
        me: await me(),
        rename: await rename('during redis outage'),
        login: await login(user),
      };
    } finally {
      startRedis();
    }
    await waitFor(redisUp, { what: 'Redis to answer' });

    expect(during.ready.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
    expect(during.ready.body.error).not.toHaveProperty('database');
    expect(during.live.status).toBe(200);
    // The rate limiter fails open and the caches fall through to PostgreSQL.
    expect([during.me.status, during.rename.status, during.login.status]).toEqual([200, 200, 200]);
    for (const res of Object.values(during)) expect(res.ms).toBeLessThan(BOUND_MS);

    await waitFor(async () => (await ready()).status === 200, { what: 'readiness after Redis' });
    expect((await rename('after redis outage')).status).toBe(200);
    noCrash();
  });

  it('answers a fast 503 where PostgreSQL is needed while it is stopped, stays live, and recovers', async () => {
    let during: Record<string, Timed>;
    try {
      pgctl('stop');
      await waitFor(() => !pgUp(), { what: 'PostgreSQL to stop' });
      during = {
        ready: await ready(),
        live: await live(),
        login: await login(user),
        register: await timed(`${app.url}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: `pg-down-${Date.now()}@example.com`, password: 'pw-long-enough', name: 'x' }),
        }),
      };
    } finally {
      pgctl('start');
    }
    await waitFor(pgUp, { what: 'PostgreSQL to answer' });

    expect(during.ready.status).toBe(503);
    expect(during.ready.body).toMatchObject({ error: { database: { status: 'down' } } });
    expect(during.live.status).toBe(200);
    for (const res of [during.login, during.register]) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ type: '/problems/database_unavailable', status: 503 });
      expect(problemWording(res.body)).not.toMatch(/ECONNREFUSED|terminat|5432/);
    }
    for (const res of Object.values(during)) expect(res.ms).toBeLessThan(BOUND_MS);

    await waitFor(async () => (await ready()).status === 200, { what: 'readiness after PostgreSQL' });
    expect((await login(user)).status).toBe(200);
    expect((await rename('after postgres outage')).status).toBe(200);
    noCrash();
  });
});
