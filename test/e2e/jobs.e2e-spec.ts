import { once } from 'node:events';
import { AddressInfo, createServer, Socket } from 'node:net';
import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobRecord } from '@/infra/jobs/job.entity';
import { Jobs } from '@/infra/jobs/jobs.service';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { provisionDatabase, rebootableDatabase, TestDatabase } from '@test/support/database';
import { captureLogLines } from '@test/support/log-lines';
import { metricSample } from '@test/support/metrics-text';
import { RecordingHandlers, RecordingJobsModule } from '@test/support/jobs/recording-handlers';
import { createTestApp, TestApp } from '@test/support/test-app';

const ATTEMPTS = 3;
/** Tiny backoff and polling: retries follow each other within milliseconds. */
const FAST_JOBS = { JOBS_ATTEMPTS: String(ATTEMPTS), JOBS_BACKOFF: '10ms', JOBS_POLL_INTERVAL: '20ms' };
/** BullMQ on Redis under `test:integration` (REDIS_URL set), the database queue otherwise. */
const onRedis = () => process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

describe(`Background jobs (${onRedis() ? 'BullMQ on Redis' : 'database queue'})`, () => {
  let t: TestApp;
  let jobs: Jobs;
  let recorder: RecordingHandlers;
  const log = captureLogLines();

  beforeAll(async () => {
    t = await createTestApp({
      env: { ...FAST_JOBS, LOG_LEVEL: 'warn' },
      imports: [RecordingJobsModule],
      logs: log.stream,
    });
    jobs = t.app.get(Jobs);
    recorder = t.app.get(RecordingHandlers);
  });
  afterAll(() => t.close());

  const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;

  /** Where the queue keeps a job: BullMQ's state in Redis, or the row of the database queue. */
  async function stateOf(id: string): Promise<string | undefined> {
    if (!onRedis()) return (await t.app.get(DataSource).getRepository(JobRecord).findOneBy({ id }))?.state;
    const queue = new Queue('test', {
      connection: { url: process.env.REDIS_URL },
      prefix: `{${process.env.REDIS_KEY_PREFIX}jobs}`,
    });
    try {
      return await queue.getJobState(id);
    } finally {
      await queue.close();
    }
  }

  it('runs a queued job once, with its data and context', async () => {
    const id = await jobs.enqueue('test', 'echo', { hello: 'world' });

    const [run] = await waitFor(() => recorder.runsOf('echo', id).length > 0 && recorder.runsOf('echo', id));
    expect(run).toEqual({
      name: 'echo',
      data: { hello: 'world' },
      ctx: { id, queue: 'test', name: 'echo', attempt: 1 },
    });
    await waitFor(async () => (await stateOf(id)) === 'completed', { what: 'the job completed' });
    expect(recorder.runsOf('echo', id)).toHaveLength(1);
  });

  it('retries a failing handler with attempts 1, 2, 3 until it succeeds', async () => {
    const id = await jobs.enqueue('test', 'flaky', {});

    await waitFor(async () => (await stateOf(id)) === 'completed', { what: 'the flaky job completed' });
    expect(recorder.runsOf('flaky', id).map((run) => run.ctx.attempt)).toEqual([1, 2, 3]);
  });

  it('keeps a job that fails every attempt as failed, counts it and logs its id', async () => {
    const failedBefore = metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'test' });
    const id = await jobs.enqueue('test', 'broken', {});

    await waitFor(async () => (await stateOf(id)) === 'failed', { what: 'the job kept as failed' });
    expect(recorder.runsOf('broken', id).map((run) => run.ctx.attempt)).toEqual([1, 2, 3]);
    await waitFor(
      async () => metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'test' }) === failedBefore + 1,
    );
    const line = await waitFor(() => log.lines.find((l) => l.jobId === id && l.level === 50));
    expect(String(line.msg)).toContain(id);
    expect(await stateOf(id)).toBe('failed');
  });

  it('fails a job at once, without retries, when its handler throws a PermanentJobError', async () => {
    const failedBefore = metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'test' });
    const id = await jobs.enqueue('test', 'doomed', {});

    await waitFor(async () => (await stateOf(id)) === 'failed', { what: 'the job kept as failed' });
    await waitFor(
      async () => metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'test' }) === failedBefore + 1,
    );
    const line = await waitFor(() => log.lines.find((l) => l.jobId === id && l.level === 50));
    expect(line).toMatchObject({ attempts: 1, permanent: true });
    expect(recorder.runsOf('doomed', id).map((run) => run.ctx.attempt)).toEqual([1]);
  });

  it('runs a job queued twice under one jobId once', async () => {
    const [first, second] = await Promise.all([
      jobs.enqueue('test', 'echo', { n: 1 }, { jobId: 'dedupe-1' }),
      jobs.enqueue('test', 'echo', { n: 2 }, { jobId: 'dedupe-1' }),
    ]);
    expect([first, second]).toEqual(['dedupe-1', 'dedupe-1']);
    await waitFor(async () => (await stateOf('dedupe-1')) === 'completed');
    await jobs.enqueue('test', 'echo', { n: 3 }, { jobId: 'dedupe-1' });
    // A later job of the same queue runs after it would have: the duplicate had its chance.
    const later = await jobs.enqueue('test', 'echo', {});
    await waitFor(async () => (await stateOf(later)) === 'completed');
    expect(recorder.runsOf('echo', 'dedupe-1')).toHaveLength(1);
  });

  it('fails a job whose type has no handler here, logging why', async () => {
    const id = await jobs.enqueue('test', 'nobody-handles-this', {});

    await waitFor(async () => (await stateOf(id)) === 'failed', { what: 'the unhandled job failed' });
    const line = await waitFor(() => log.lines.find((l) => l.jobId === id && l.level === 50));
    expect(JSON.stringify(line)).toContain("No @JobHandler('test', 'nobody-handles-this')");
  });

  it('exports the job series on /metrics', async () => {
    const text = await scrape();
    for (const name of ['app_jobs_waiting', 'app_jobs_active', 'app_jobs_completed_total', 'app_jobs_failed_total']) {
      expect(text).toMatch(new RegExp(`^${name}\\{queue="test"\\} \\d+$`, 'm'));
    }
    expect(metricSample(text, 'app_jobs_completed_total', { queue: 'test' })).toBeGreaterThanOrEqual(3);
    expect(metricSample(text, 'app_job_duration_seconds_count', { queue: 'test' })).toBeGreaterThanOrEqual(3);
    expect(metricSample(text, 'app_jobs_waiting', { queue: 'test' })).toBe(0);
  });

  it('runs a scheduled job repeatedly, registered once however often schedule is called', async () => {
    await Promise.all([1, 2, 3].map(() => jobs.schedule('test', 'tick', 100, { every: 'tick' })));
    const started = Date.now();

    await waitFor(() => recorder.runsOf('tick').length >= 3, { what: 'three runs of the schedule' });
    const elapsed = Date.now() - started;
    // Three registrations running side by side would reach three runs at once; one needs two intervals.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(recorder.runsOf('tick').every((run) => JSON.stringify(run.data) === '{"every":"tick"}')).toBe(true);
  });
});

describe('Background jobs with Redis configured but unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  });
  afterAll(() => t.close());

  it('refuses to queue a job within a bounded time instead of hanging the caller', async () => {
    await expect(t.app.get(Jobs).enqueue('test', 'echo', {})).rejects.toThrow(/Redis|writeable|Connection/i);
  });

  it('counts the job it could not queue', async () => {
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    expect(metricSample(text, 'app_jobs_enqueue_failures_total', { queue: 'test' })).toBe(1);
  });
});

describe('Closing the application while Redis accepts connections but never answers', () => {
  it('closes every connection its client, queues and workers opened', async () => {
    const open = new Set<Socket>();
    // Reads (so that a client's FIN is seen) and never writes.
    const silent = createServer((socket) => {
      open.add(socket);
      socket.resume();
      socket.on('close', () => open.delete(socket));
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const t = await createTestApp({
        env: { REDIS_URL: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` },
        imports: [RecordingJobsModule],
      });
      // The shared client, the producer, the workers' connection and a blocking one per queue.
      await waitFor(() => open.size >= 4, { what: 'the connections to Redis to open' });
      await t.close();
      // A connection left behind would stay open here, waiting for an answer, as it kept the test run alive.
      await waitFor(() => open.size === 0, { timeoutMs: 5_000, what: 'every connection to Redis to be closed' });
    } finally {
      for (const socket of open) socket.destroy();
      silent.close();
    }
  });
});

describe('APP_ROLE', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    // One store shared by both roles: a file SQLite database, or the server's database and Redis.
    database = onRedis() ? await provisionDatabase() : await rebootableDatabase();
    const shared = { ...FAST_JOBS, REDIS_KEY_PREFIX: `test:roles:${Date.now()}:` };
    api = await createTestApp({ database, env: { ...shared, APP_ROLE: 'api' }, imports: [RecordingJobsModule] });
    worker = await createTestApp({ database, env: { ...shared, APP_ROLE: 'worker' }, imports: [RecordingJobsModule] });
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await database?.drop();
  });

  it('api queues jobs and runs none; the worker runs them', async () => {
    const id = await api.app.get(Jobs).enqueue('test', 'echo', { from: 'api' });

    const runs = await waitFor(
      () =>
        worker.app.get(RecordingHandlers).runsOf('echo', id).length > 0 &&
        worker.app.get(RecordingHandlers).runsOf('echo', id),
    );
    expect(runs.map((run) => run.data)).toEqual([{ from: 'api' }]);
    expect(api.app.get(RecordingHandlers).runs).toEqual([]);
  });

  it('a worker answers probes and the scrape, and 404 problems for the API and the docs', async () => {
    await request(worker.server).get('/health/live').expect(200);
    await request(worker.server).get('/metrics').expect(200);
    for (const path of ['/api/v1/users/me', '/api/v1/auth/login', '/docs', '/docs-json']) {
      const res = await request(worker.server).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, instance: path });
    }
  });

  it('api serves the API as usual', async () => {
    await request(api.server).get('/api/v1/users/me').expect(401);
  });
});
