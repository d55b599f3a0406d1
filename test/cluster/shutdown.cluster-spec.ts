import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import type { TestDatabase } from '@test/support/database';
import { Account, freshDatabase, holdRequest, metricValue, redisEnv, signUp } from '@test/support/resilience';

/**
 * SIGTERM on a real process of the built app, on PostgreSQL: what a rolling restart relies
 * on, observed from outside through sockets, probes, metrics and the process' exit code.
 */

interface LogLine {
  msg?: string;
  phase?: string;
  level?: number;
}

const shutdownLines = (app: AppProcess) =>
  app.output
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.phase !== undefined);

describe('graceful shutdown (real process)', () => {
  let db: TestDatabase;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    db = await freshDatabase();
  });

  afterEach(async () => {
    if (app?.child.exitCode === null) app.child.kill('SIGKILL');
    await app?.exited;
    app = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function boot(env: Record<string, string>): Promise<{ app: AppProcess; user: Account }> {
    app = await startApp({ env: { DATABASE_URL: db.url, ...redisEnv(), ...env } });
    await app.waitUntilReady(60_000);
    return { app, user: await signUp(app.url, 'shutdown') };
  }

  it('turns not-ready at once, keeps serving through the delay, finishes a request in flight with 200 and exits 0', async () => {
    const delayMs = 2_000;
    const { app, user } = await boot({ SHUTDOWN_DELAY_MS: String(delayMs), SHUTDOWN_TIMEOUT_MS: '15000' });

    // Above the idle timeouts of load balancers in front (60 s), so they always close first.
    const hello = await fetch(`${app.url}/health/live`);
    expect(hello.headers.get('keep-alive')).toBe('timeout=65');

    const held = holdRequest(`${app.url}/api/v1/auth/login`, { email: user.email, password: user.password });
    // The login is in flight once the server counts it (the scrape counts itself too).
    await waitFor(async () => (await metricValue(app.url, 'http_requests_in_flight'))! >= 2);

    const signalled = Date.now();
    app.child.kill('SIGTERM');
    const ready = await waitFor(
      async () => {
        const res = await fetch(`${app.url}/health/ready`);
        return res.status === 503 ? ((await res.json()) as { error: Record<string, unknown> }) : undefined;
      },
      { timeoutMs: 1_000 },
    );
    expect(Date.now() - signalled).toBeLessThan(delayMs);
    expect(ready.error).toHaveProperty('shutdown');

    // Still serving while the load balancers notice, and asking keep-alive clients to leave.
    const live = await fetch(`${app.url}/health/live`);
    expect(live.status).toBe(200);
    const me = await fetch(`${app.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('connection')).toBe('close');

    await app.waitForOutput(/Refusing new connections/, delayMs + 5_000);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(delayMs);
    await expect(fetch(`${app.url}/health/live`)).rejects.toThrow();

    const answer = await held.finish();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });

    expect(await app.exited).toBe(0);
    expect(shutdownLines(app).map((line) => line.phase)).toEqual(['draining', 'closing', 'stopping', 'stopped']);
  });

  it('on SIGINT, cuts a request that outlives SHUTDOWN_TIMEOUT_MS and still exits within the bound', async () => {
    const { app, user } = await boot({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '1000' });
    const held = holdRequest(`${app.url}/api/v1/auth/login`, { email: user.email, password: user.password });
    await waitFor(async () => (await metricValue(app.url, 'http_requests_in_flight'))! >= 2);

    const signalled = Date.now();
    app.child.kill('SIGINT');

    expect((await held.failed).code).toBe('ECONNRESET');
    expect(await app.exited).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(8_000);
    const phases = shutdownLines(app);
    expect(phases.map((line) => line.phase)).toEqual(['draining', 'closing', 'forcing', 'stopping', 'stopped']);
    expect(phases.find((line) => line.phase === 'forcing')?.level).toBe(40);
  });
});
