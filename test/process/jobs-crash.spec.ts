import type { AppProcess } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { useJobsAppProcesses } from '@test/support/jobs/jobs-processes';
import { startRedisServer, RedisServer } from '@test/support/redis-server';

// Each process starts through ts-node; on a busy machine that takes several seconds.
jest.setTimeout(180_000);

describe('a queued job survives the process that queued it being killed', () => {
  const { start, recorded, path } = useJobsAppProcesses('jobs-crash-');
  const killAfterEnqueue = async (app: AppProcess, id: string) => {
    await app.waitForOutput(new RegExp(`^enqueued ${id}$`), 120_000);
    app.child.kill('SIGKILL');
    await app.exited;
  };

  describe('with Redis (BullMQ)', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.stop());

    it('an api process queues a job and is SIGKILLed; a worker process runs it', async () => {
      const shared = { REDIS_URL: redis.url, DATABASE_URL: `sqlite:${path('a.sqlite')}` };
      const api = await start({ ...shared, APP_ROLE: 'api', JOBS_TEST_ENQUEUE: 'job-redis-1' });
      await killAfterEnqueue(api, 'job-redis-1');
      expect(recorded()).toEqual([]);

      const worker = await start({ ...shared, DATABASE_URL: `sqlite:${path('b.sqlite')}`, APP_ROLE: 'worker' });
      await waitFor(() => recorded().includes('done job-redis-1 1'), { timeoutMs: 120_000, what: 'the worker ran it' });
      expect(recorded()).toEqual(['started job-redis-1 1', 'done job-redis-1 1']);

      // A worker serves the probes and the scrape, and nothing of the API.
      expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
      const me = await fetch(`${worker.url}/api/v1/users/me`);
      expect(me.status).toBe(404);
      expect(me.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('without Redis (the database queue)', () => {
    it('a job queued right before a SIGKILL runs when the process restarts on the same SQLite file', async () => {
      const env = { DATABASE_URL: `sqlite:${path('app.sqlite')}` };
      // Delayed, so the killed process cannot have started it: only the restarted one runs it.
      const first = await start({ ...env, JOBS_TEST_ENQUEUE: 'job-sqlite-1', JOBS_TEST_DELAY_MS: '3000' });
      await killAfterEnqueue(first, 'job-sqlite-1');

      await start(env);
      await waitFor(() => recorded().includes('done job-sqlite-1 1'), {
        timeoutMs: 120_000,
        what: 'the restart ran it',
      });
    });

    it('a job killed mid-run goes back to waiting on restart and runs again as attempt 2', async () => {
      const env = { DATABASE_URL: `sqlite:${path('app.sqlite')}` };
      const first = await start({ ...env, JOBS_TEST_ENQUEUE: 'job-sqlite-2', JOBS_TEST_HANG: 'true' });
      await waitFor(() => recorded().includes('started job-sqlite-2 1'), { timeoutMs: 120_000, what: 'attempt 1' });
      first.child.kill('SIGKILL');
      await first.exited;

      await start(env);
      await waitFor(() => recorded().includes('done job-sqlite-2 2'), { timeoutMs: 120_000, what: 'attempt 2 done' });
      expect(recorded()).toEqual(['started job-sqlite-2 1', 'started job-sqlite-2 2', 'done job-sqlite-2 2']);
    });
  });
});
