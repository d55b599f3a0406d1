import { waitFor } from '@tools/wait-for';
import { useJobsAppProcesses } from '@test/support/jobs/jobs-processes';
import { startRedisServer, RedisServer } from '@test/support/redis-server';

// Each process starts through ts-node; on a busy machine that takes several seconds.
jest.setTimeout(180_000);

/**
 * SIGTERM on a worker: active jobs get SHUTDOWN_TIMEOUT_MS to finish, even past the 10 s the
 * close step is otherwise capped at; a job still running after that goes back to the queue.
 */
describe('a worker stopped with SIGTERM mid-job', () => {
  const { start, recorded, path } = useJobsAppProcesses('jobs-shutdown-');
  const attemptStarted = (id: string, attempt: number) =>
    waitFor(() => recorded().includes(`started ${id} ${attempt}`), {
      timeoutMs: 120_000,
      what: `attempt ${attempt} of ${id}`,
    });

  /** A 12 s job: longer than the old 10 s cap of the close step, well within SHUTDOWN_TIMEOUT_MS. */
  const finishesItsJob = async (env: Record<string, string>, id: string) => {
    const worker = await start({
      ...env,
      SHUTDOWN_TIMEOUT_MS: '20000',
      JOBS_TEST_ENQUEUE: id,
      JOBS_TEST_WORK_MS: '12000',
    });
    await attemptStarted(id, 1);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(recorded()).toEqual([`started ${id} 1`, `done ${id} 1`]);
  };

  describe('without Redis (the database queue)', () => {
    it('lets the active job finish within SHUTDOWN_TIMEOUT_MS, then exits 0', async () => {
      await finishesItsJob({ DATABASE_URL: `sqlite:${path('app.sqlite')}` }, 'job-drain-1');
    });

    it('hands a job longer than SHUTDOWN_TIMEOUT_MS back, and it runs again as attempt 2', async () => {
      const env = { DATABASE_URL: `sqlite:${path('app.sqlite')}` };
      const worker = await start({
        ...env,
        SHUTDOWN_TIMEOUT_MS: '1000',
        JOBS_TEST_ENQUEUE: 'job-drain-2',
        JOBS_TEST_HANG: 'true',
      });
      await attemptStarted('job-drain-2', 1);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(worker.output.join('\n')).toMatch(/1 job\(s\) still running at shutdown; handed back to the queue/);

      await start(env);
      await waitFor(() => recorded().includes('done job-drain-2 2'), { timeoutMs: 120_000, what: 'attempt 2 done' });
      expect(recorded()).toEqual(['started job-drain-2 1', 'started job-drain-2 2', 'done job-drain-2 2']);
    });
  });

  describe('with Redis (BullMQ)', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('lets the active job finish within SHUTDOWN_TIMEOUT_MS, then exits 0', async () => {
      await finishesItsJob(
        { REDIS_URL: redis.url, DATABASE_URL: `sqlite:${path('app.sqlite')}`, APP_ROLE: 'worker' },
        'job-drain-3',
      );
    });
  });
});
