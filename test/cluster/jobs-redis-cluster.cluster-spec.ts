import { Cluster as RedisCluster } from 'ioredis';
import { Queue } from 'bullmq';
import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { waitFor } from '@tools/wait-for';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';
import { metricSample } from '@test/support/metrics-text';
import { RedisClusterServers, startRedisCluster } from '@test/support/redis-cluster';
import { startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';

/**
 * BullMQ on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES), three app instances of
 * role `all`: the welcome mail goes out, it survives the node that queued it being
 * SIGKILLed, every queue key sits in the one slot of the `{<prefix>jobs}` hash tag (BullMQ's
 * scripts touch several keys at once, which a Cluster refuses across slots), and the
 * clean-up schedule, upserted by every node, runs once per period for the whole cluster.
 */

const MAINTENANCE_INTERVAL_MS = 1_000;

describe('background jobs on a Redis Cluster', () => {
  let redis: RedisClusterServers | undefined;
  let cluster: Cluster | undefined;
  let smtp: TestSmtpServer;
  let a: AppProcess;
  let b: AppProcess;
  let c: AppProcess;

  const register = (node: AppProcess, email: string) =>
    http(`${node.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password: 'a-good-password', name: 'Cluster Jobs' },
    });
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));
  const completed = async (node: AppProcess, queue: string) =>
    metricSample((await http(`${node.url}/metrics`)).body as string, 'app_jobs_completed_total', { queue });
  const jobsPrefix = () => `{${cluster!.redisKeyPrefix}jobs}`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    redis = await startRedisCluster(3);
    cluster = await startCluster({
      size: 3,
      env: {
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: redis.nodes,
        SMTP_URL: smtp.url,
        SMTP_TIMEOUT: '2s',
        MAIL_FROM: 'no-reply@example.test',
        JOBS_BACKOFF: '200ms',
        MAINTENANCE_INTERVAL: `${MAINTENANCE_INTERVAL_MS}ms`,
        LOG_LEVEL: 'warn',
      },
    });
    [a, b, c] = cluster.nodes as [AppProcess, AppProcess, AppProcess];
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
    await smtp?.stop();
  });

  it('boots every node ready with Redis up, and delivers the welcome mail', async () => {
    for (const node of cluster!.nodes) {
      const ready = await http(`${node.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({ redis: { status: 'up' } });
    }
    const email = uniqueEmail('rc-jobs');
    expect((await register(b, email)).status).toBe(201);
    await waitFor(() => mailsTo(email).length > 0, { timeoutMs: 30_000, what: `the welcome mail to ${email}` });
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('keeps every BullMQ key in the one hash slot of its tag', async () => {
    const keys = (
      await Promise.all(
        redis!.ports.map(async (port) => {
          const found: string[] = [];
          let cursor = '0';
          do {
            const [next, batch] = await redis!.node(port).scan(cursor, 'MATCH', `*${cluster!.redisKeyPrefix}jobs*`);
            found.push(...batch);
            cursor = next;
          } while (cursor !== '0');
          return found;
        }),
      )
    ).flat();
    // The mail queue's keys and the clean-up schedule's at least.
    expect(keys.some((key) => key.startsWith(`${jobsPrefix()}:mail:`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${jobsPrefix()}:maintenance:`))).toBe(true);
    expect(keys.every((key) => key.startsWith(`${jobsPrefix()}:`))).toBe(true);
    const node = redis!.node(redis!.ports[0]);
    const slots = new Set(await Promise.all(keys.map((key) => node.cluster('KEYSLOT', key))));
    expect([...slots]).toEqual([await node.cluster('KEYSLOT', jobsPrefix())]);
  });

  it('runs the clean-up once per period for the whole cluster, not once per node', async () => {
    const connection = new RedisCluster(
      redis!.nodes.split(',').map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    );
    const queue = new Queue('maintenance', { connection, prefix: jobsPrefix() });
    try {
      // Every run is one job `repeat:purge:<its period>`, and the runs are counted by the node that took them.
      const runs = await waitFor(
        async () => {
          const jobs = await queue.getJobs(['completed']);
          const counted = (await Promise.all(cluster!.nodes.map((node) => completed(node, 'maintenance')))).reduce(
            (sum, n) => sum + n,
          );
          return jobs.length >= 4 && counted === jobs.length ? jobs : undefined;
        },
        { timeoutMs: 30_000, what: 'four clean-up runs, each counted by one node' },
      );
      const periods = runs.map((job) => Number(job.id!.split(':').pop())).sort((x, y) => x - y);
      expect(runs.every((job) => job.id!.startsWith('repeat:purge:'))).toBe(true);
      expect(new Set(periods).size).toBe(periods.length);
      for (let i = 1; i < periods.length; i++) {
        expect(periods[i] - periods[i - 1]).toBeGreaterThanOrEqual(MAINTENANCE_INTERVAL_MS);
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('delivers the mail of a node SIGKILLed right after it answered the registration, from another node', async () => {
    const before = (await completed(b, 'mail')) + (await completed(c, 'mail'));
    // SMTP down: whatever A did with the job before it died, it cannot have sent the mail.
    await smtp.stop();
    const email = uniqueEmail('rc-killed');
    const registered = await register(a, email);
    a.child.kill('SIGKILL');
    expect(registered.status).toBe(201);
    await a.exited;
    await smtp.start();

    // Bound: a job A held when it died is re-delivered once its lock (30 s) lapses and the
    // next stalled check (every 30 s) of B or C sees it; otherwise within the backoff.
    await waitFor(() => mailsTo(email).length > 0, { timeoutMs: 90_000, what: `the welcome mail to ${email}` });
    expect(mailsTo(email)).toHaveLength(1);
    await waitFor(async () => (await completed(b, 'mail')) + (await completed(c, 'mail')) === before + 1, {
      what: 'B or C to count the mail job',
    });
  }, 150_000);
});
