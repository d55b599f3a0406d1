import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import type { TestDatabase } from '@test/support/database';
import { metricSample } from '@test/support/metrics-text';
import { Account, freshDatabase, problemWording, signUp } from '@test/support/resilience';
import { ProxyMode, startTcpProxy, TcpProxy } from '@test/support/tcp-proxy';

/**
 * The network between a running instance and its PostgreSQL, or its Redis, turns slow,
 * partitioned or refusing, through a fault-injecting proxy on each path (the servers
 * themselves keep running: faults.cluster-spec.ts stops them). Every answer must come
 * within a bound derived from the configured timeouts below, the process must stay live,
 * readiness must follow the path, and the pools must recover once it heals, without a
 * restart and without leaking connections. docs/operations.md ("Faults") has the numbers.
 */

const CONNECT_TIMEOUT_MS = 1_000; // DATABASE_CONNECT_TIMEOUT
const STATEMENT_TIMEOUT_MS = 1_000; // DATABASE_STATEMENT_TIMEOUT
/** pg's client-side query_timeout: the statement timeout plus QUERY_TIMEOUT_MARGIN_MS (data-source-options.ts). */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1_000;
const REDIS_COMMAND_TIMEOUT_MS = 1_000; // REDIS_COMMAND_TIMEOUT (the socket timeout is ¾ of it)
const POOL_SIZE = 4;
/** Scheduling and the work around the wait, on a loaded 2-core machine. */
const MARGIN_MS = 1_500;

/** A request that needs PostgreSQL waits for one pooled connection or one reply, whichever fails first. */
const DATABASE_BOUND_MS = Math.max(CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS) + MARGIN_MS;
/** The rate limiter's one command (THROTTLE_FAIL_CLOSED) waits out at most one command timeout. */
const REDIS_BOUND_MS = REDIS_COMMAND_TIMEOUT_MS + MARGIN_MS;
/** /health/live touches no dependency: only the event loop stands between it and its answer. */
const LIVE_BOUND_MS = 250;
/** After healing: stuck connections end within a query timeout; Redis reconnects within its 2 s backoff cap. */
const DATABASE_RECOVERY_MS = QUERY_TIMEOUT_MS + MARGIN_MS;
const REDIS_RECOVERY_MS = 2_000 + REDIS_COMMAND_TIMEOUT_MS + MARGIN_MS;
/** Added by the proxy to each chunk, each way: well below, and well above, the timeouts. */
const SMALL_LATENCY_MS = 100;
const LARGE_LATENCY_MS = 1_500;

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

async function timed(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return {
    status: res.status,
    ms: Date.now() - started,
    retryAfter: res.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

describe('network faults between the service and PostgreSQL / Redis', () => {
  let db: TestDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let app: AppProcess;
  let user: Account;

  const ready = () => timed(`${app.url}/health/ready`);
  const live = () => timed(`${app.url}/health/live`);
  /** Always a database write (a transaction), and through the rate limiter's Redis command. */
  const rename = (name = `n-${Date.now()}`) =>
    timed(`${app.url}/api/v1/users/me`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${user.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name }),
    });
  const poolGauge = async (state: 'total' | 'idle' | 'waiting') =>
    metricSample(await (await fetch(`${app.url}/metrics`)).text(), 'db_pool_connections', { pool: 'primary', state });

  beforeAll(async () => {
    db = await freshDatabase();
    const dbUrl = new URL(db.url);
    pgProxy = await startTcpProxy({ port: Number(dbUrl.port || 5432), host: dbUrl.hostname });
    dbUrl.host = pgProxy.address;
    const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    redisProxy = await startTcpProxy({ port: Number(redisUrl.port || 6379), host: redisUrl.hostname });
    redisUrl.host = redisProxy.address;
    app = await startApp({
      env: {
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL: redisUrl.toString(),
        DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`,
        DATABASE_STATEMENT_TIMEOUT: `${STATEMENT_TIMEOUT_MS}ms`,
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        REDIS_COMMAND_TIMEOUT: `${REDIS_COMMAND_TIMEOUT_MS}ms`,
        HTTP_REQUEST_TIMEOUT: '2s',
        // A request that cannot be counted is refused (503), so Redis is needed by every API call.
        THROTTLE_FAIL_CLOSED: 'true',
        THROTTLE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
      },
    });
    await app.waitUntilReady(60_000);
    user = await signUp(app.url, 'net-faults');
  });

  afterAll(async () => {
    if (measured.length > 0) process.stdout.write(`network faults measured:\n  ${measured.join('\n  ')}\n`);
    await app?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  afterEach(() => {
    // Whatever a test did, the next one starts on healthy paths.
    pgProxy.setMode('pass');
    redisProxy.setMode('pass');
  });

  /** What each case measured, printed at the end for docs/operations.md. */
  const measured: string[] = [];
  const note = (dep: Dependency, what: string, answers: Answer[]) =>
    measured.push(`${dep.name} ${what}: ${answers.map((a) => `${a.status}/${a.ms}ms`).join(' ')}`);

  const noCrash = () => {
    expect(app.child.exitCode).toBeNull();
    expect(app.output.filter((line) => /unhandled|uncaught|"level":60/i.test(line))).toEqual([]);
  };

  interface Dependency {
    name: string;
    proxy: () => TcpProxy;
    problem: string;
    bound: number;
    recovery: number;
    readinessKey: string;
  }
  const postgres: Dependency = {
    name: 'PostgreSQL',
    proxy: () => pgProxy,
    problem: '/problems/database_unavailable',
    bound: DATABASE_BOUND_MS,
    recovery: DATABASE_RECOVERY_MS,
    readinessKey: 'database',
  };
  const redis: Dependency = {
    name: 'Redis',
    proxy: () => redisProxy,
    problem: '/problems/rate_limit_unavailable',
    bound: REDIS_BOUND_MS,
    recovery: REDIS_RECOVERY_MS,
    readinessKey: 'redis',
  };

  const expectCleanRefusal = (answers: Answer[], dep: Dependency) => {
    for (const res of answers) {
      expect({ status: res.status, type: res.body.type }).toEqual({ status: 503, type: dep.problem });
      expect(Number(res.retryAfter)).toBeGreaterThan(0);
      expect(res.ms).toBeLessThan(dep.bound);
      expect(problemWording(res.body)).not.toMatch(/timeout|ECONN|terminat|5432|6379/i);
    }
  };

  /** Heals the path and measures how long until a request that needs it succeeds again. */
  const healAndRecover = async (dep: Dependency) => {
    const healed = Date.now();
    dep.proxy().setMode('pass');
    await waitFor(async () => (await rename()).status === 200, {
      timeoutMs: dep.recovery,
      intervalMs: 50,
      what: `a request after ${dep.name} heals`,
    });
    const recoveredMs = Date.now() - healed;
    await waitFor(async () => (await ready()).status === 200, { timeoutMs: dep.recovery, what: 'readiness' });
    // No connection was leaked: the pool is back within its size, with nothing queued.
    await waitFor(async () => (await poolGauge('waiting')) === 0, { what: 'no query waiting for a connection' });
    expect(await poolGauge('total')).toBeLessThanOrEqual(POOL_SIZE);
    expect(pgProxy.openConnections).toBeLessThanOrEqual(POOL_SIZE);
    noCrash();
    return recoveredMs;
  };

  const underFault = async (dep: Dependency, mode: ProxyMode, latencyMs?: number) => {
    await waitFor(async () => (await rename()).status === 200, { what: 'a healthy start' });
    dep.proxy().setMode(mode, { latencyMs });
  };

  describe.each([postgres, redis])('$name', (dep) => {
    it('answers, only slower, while latency stays below the timeouts', async () => {
      await underFault(dep, 'pass', SMALL_LATENCY_MS);

      const answers = [await rename(), await rename(), await ready()];
      note(dep, `latency ${SMALL_LATENCY_MS} ms`, answers);

      for (const res of answers) {
        expect(res.status).toBe(200);
        // At least one round trip through the slow path, each way.
        expect(res.ms).toBeGreaterThanOrEqual(2 * SMALL_LATENCY_MS);
      }
      noCrash();
    });

    it('refuses fast and cleanly while latency exceeds the timeouts, and recovers', async () => {
      await underFault(dep, 'pass', LARGE_LATENCY_MS);

      const answers = await Promise.all(Array.from({ length: 6 }, () => rename()));
      note(dep, `latency ${LARGE_LATENCY_MS} ms`, answers);

      expectCleanRefusal(answers, dep);
      const recoveredMs = await healAndRecover(dep);
      note(dep, 'latency healed, recovered in', [{ status: 200, ms: recoveredMs, retryAfter: null, body: {} }]);
      expect(recoveredMs).toBeLessThan(dep.recovery);
    });

    it('refuses fast under a partition, stays live with requests stuck, turns not ready, and recovers', async () => {
      await underFault(dep, 'blackhole');

      const storm = Array.from({ length: 30 }, () => rename());
      const probes: Answer[] = [];
      for (let i = 0; i < 5; i += 1) probes.push(await live());
      const notReady = await waitFor(
        async () => {
          const res = await ready();
          return res.status === 503 ? res : undefined;
        },
        { timeoutMs: dep.bound * 2, what: 'readiness to fail' },
      );
      const answers = await Promise.all(storm);
      note(dep, 'partition, requests', [answers[0], answers[answers.length - 1]]);
      note(dep, 'partition, live', probes);
      note(dep, 'partition, ready', [notReady]);

      for (const probe of probes) {
        expect(probe.status).toBe(200);
        expect(probe.ms).toBeLessThan(LIVE_BOUND_MS);
      }
      expect(notReady.body).toMatchObject({ error: { [dep.readinessKey]: { status: 'down' } } });
      expectCleanRefusal(answers, dep);
      const recoveredMs = await healAndRecover(dep);
      note(dep, 'partition healed, recovered in', [{ status: 200, ms: recoveredMs, retryAfter: null, body: {} }]);
      expect(recoveredMs).toBeLessThan(dep.recovery);
    });

    it('refuses at once while the path is refused or reset, and recovers', async () => {
      await underFault(dep, 'refuse');

      const answers = await Promise.all(Array.from({ length: 6 }, () => rename()));
      note(dep, 'refused', answers);

      expectCleanRefusal(answers, dep);
      for (const res of answers) expect(res.ms).toBeLessThan(MARGIN_MS);
      const recoveredMs = await healAndRecover(dep);
      note(dep, 'refusal healed, recovered in', [{ status: 200, ms: recoveredMs, retryAfter: null, body: {} }]);
      expect(recoveredMs).toBeLessThan(dep.recovery);
    });
  });
});
