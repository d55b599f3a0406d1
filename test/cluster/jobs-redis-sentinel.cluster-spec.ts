import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { waitFor } from '@tools/wait-for';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';
import { metricSample } from '@test/support/metrics-text';
import { RedisSentinelServers, startRedisSentinel } from '@test/support/redis-sentinel';
import { startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';

/**
 * Two app instances on a real Sentinel-managed Redis (REDIS_SENTINELS): a master, one
 * replica and three sentinels. The master is SIGKILLed and the sentinels promote the
 * replica; the instances must follow on their own: the shared client, BullMQ's producer
 * and its workers (their blocking connections included) reconnect to the new master.
 */

/**
 * How long the instances get, once the sentinels name the new master, to be back to normal.
 * Their clients retry with delays capped at 2 s (REDIS_MAX_RECONNECT_DELAY_MS), asking the
 * sentinels for the master on each attempt, so a few seconds are enough; 20 s allows for a
 * busy machine.
 */
const RECOVERY_MS = 20_000;
const PASSWORD = 'a-good-password';
/** LOGIN_MAX_FAILURES_PER_ACCOUNT for the cluster: small, so the limit is reached in a few requests. */
const FAILURES_PER_ACCOUNT = 4;

interface Account {
  email: string;
  accessToken: string;
  refreshToken: string;
}

describe('background jobs, auth state, rate limits and cache on Redis Sentinel, across a failover', () => {
  let sentinel: RedisSentinelServers | undefined;
  let cluster: Cluster | undefined;
  let smtp: TestSmtpServer;
  let a: AppProcess;
  let b: AppProcess;

  const register = (node: AppProcess, email: string) =>
    http(`${node.url}/api/v1/auth/register`, { method: 'POST', body: { email, password: PASSWORD, name: 'Sentinel' } });
  const signUp = async (node: AppProcess): Promise<Account> => {
    const email = uniqueEmail('sentinel');
    expect((await register(node, email)).status).toBe(201);
    const tokens = await http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: { email, password: PASSWORD } });
    expect(tokens.status).toBe(200);
    return { email, ...tokens.body };
  };
  const me = (node: AppProcess, account: Account) =>
    http(`${node.url}/api/v1/users/me`, { bearer: account.accessToken }).then((r) => r.status);
  const refresh = (node: AppProcess, account: Account) =>
    http(`${node.url}/api/v1/auth/refresh`, { method: 'POST', body: { refreshToken: account.refreshToken } });
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));
  const mailArrives = (email: string, timeoutMs: number) =>
    waitFor(() => mailsTo(email).length > 0, { timeoutMs, what: `the welcome mail to ${email}` });
  const readiness = (node: AppProcess) => http(`${node.url}/health/ready`);
  const completedMailJobs = async () => {
    const scrapes = await Promise.all(cluster!.nodes.map((node) => http(`${node.url}/metrics`)));
    return scrapes.reduce(
      (sum, scrape) => sum + metricSample(scrape.body as string, 'app_jobs_completed_total', { queue: 'mail' }),
      0,
    );
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    sentinel = await startRedisSentinel();
    cluster = await startCluster({
      size: 2,
      env: {
        REDIS_URL: '',
        REDIS_SENTINELS: sentinel.sentinels,
        REDIS_SENTINEL_NAME: sentinel.masterName,
        SMTP_URL: smtp.url,
        // Longer than a failover: a send held across one must not time out and be retried.
        SMTP_TIMEOUT: '30s',
        MAIL_FROM: 'no-reply@example.test',
        JOBS_BACKOFF: '200ms',
        LOG_LEVEL: 'warn',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(FAILURES_PER_ACCOUNT),
      },
    });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await sentinel?.stop();
    await smtp?.stop();
  });

  it('boots every node ready through the sentinels, and delivers the welcome mail', async () => {
    for (const node of cluster!.nodes) {
      const ready = await readiness(node);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({ redis: { status: 'up' } });
    }
    const email = uniqueEmail('sentinel-mail');
    expect((await register(a, email)).status).toBe(201);
    await mailArrives(email, 30_000);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('after a failover delivers new mail, logs in and refreshes, keeps revoked tokens revoked, and is ready again', async () => {
    const kept = await signUp(a);
    const revoked = await signUp(a);
    // Both nodes hold the live state of `revoked` in Redis before the logout overwrites it.
    expect(await Promise.all([me(a, revoked), me(b, revoked), me(a, kept), me(b, kept)])).toEqual([200, 200, 200, 200]);
    const out = await http(`${a.url}/api/v1/auth/logout`, {
      method: 'POST',
      bearer: revoked.accessToken,
      body: { refreshToken: revoked.refreshToken },
    });
    expect(out.status).toBe(204);
    expect(await me(b, revoked)).toBe(401);

    const { from, to } = await sentinel!.failover();
    expect(await sentinel!.master()).toBe(to);
    expect(to).not.toBe(from);

    for (const node of cluster!.nodes) {
      await waitFor(async () => (await readiness(node)).status === 200, {
        timeoutMs: RECOVERY_MS,
        what: `${node.url} ready on the new master`,
      });
    }
    // The revocation stays: neither the token nor the refresh token of that login works anywhere.
    expect(await Promise.all([me(a, revoked), me(b, revoked)])).toEqual([401, 401]);
    expect((await refresh(b, revoked)).status).toBe(401);

    // The live session still works, and spends its refresh token once for both nodes.
    expect(await Promise.all([me(a, kept), me(b, kept)])).toEqual([200, 200]);
    const renewed = await refresh(b, kept);
    expect(renewed.status).toBe(200);
    expect((await refresh(a, kept)).status).toBe(401);
    const login = await http(`${a.url}/api/v1/auth/login`, {
      method: 'POST',
      body: { email: kept.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);

    // A registration after the promotion: its job goes to the new master, a worker takes it there.
    const email = uniqueEmail('sentinel-after');
    expect((await register(b, email)).status).toBe(201);
    await mailArrives(email, RECOVERY_MS);
    expect(mailsTo(email)).toHaveLength(1);
  }, 120_000);

  it('after a failover counts rate limits and keeps the profile cache true on the new master, cluster-wide', async () => {
    const account = await signUp(a);
    const profile = (node: AppProcess) => http(`${node.url}/api/v1/users/me`, { bearer: account.accessToken });
    // Both nodes have cached the profile on the old master.
    expect((await Promise.all([profile(a), profile(b)])).map((r) => r.body.name)).toEqual(['Sentinel', 'Sentinel']);

    await sentinel!.failover();
    for (const node of cluster!.nodes) {
      await waitFor(async () => (await readiness(node)).status === 200, {
        timeoutMs: RECOVERY_MS,
        what: `${node.url} ready on the new master`,
      });
    }

    // A change on one node is what the other serves next: the cache entry was replaced, not kept.
    const renamed = await http(`${a.url}/api/v1/users/me`, {
      method: 'PATCH',
      bearer: account.accessToken,
      body: { name: 'Renamed after failover' },
    });
    expect(renamed.status).toBe(200);
    expect((await profile(b)).body.name).toBe('Renamed after failover');

    // Failed logins count in one place for both nodes: the limit holds across them.
    const wrong = (node: AppProcess) =>
      http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: { email: account.email, password: 'wrong-pass' } });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FAILURES_PER_ACCOUNT; attempt++) {
      statuses.push((await wrong(attempt % 2 === 0 ? a : b)).status);
    }
    expect(statuses).toEqual(Array<number>(FAILURES_PER_ACCOUNT).fill(401));
    const refused = await Promise.all([wrong(a), wrong(b)]);
    expect(refused.map((r) => [r.status, r.body.type])).toEqual([
      [429, '/problems/too_many_login_failures'],
      [429, '/problems/too_many_login_failures'],
    ]);
  }, 120_000);

  it('completes a mail job that was in flight during a failover, and sends it once', async () => {
    const held = smtp.hold();
    const email = uniqueEmail('sentinel-in-flight');
    expect((await register(a, email)).status).toBe(201);
    // A worker is in the middle of the send: the job is active and holds its lock.
    await held.reached;
    const before = await completedMailJobs();

    await sentinel!.failover();
    held.release();
    await waitFor(async () => (await completedMailJobs()) === before + 1, {
      timeoutMs: RECOVERY_MS,
      what: 'the job to complete on the new master',
    });
    expect(mailsTo(email)).toHaveLength(1);
  }, 120_000);
});
