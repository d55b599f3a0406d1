import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDatabase, ScratchDatabase } from '@tools/database';
import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { TS_NODE_ENV } from '@test/support/jobs/jobs-processes';
import { metricSample } from '@test/support/metrics-text';
import { startRedisServer, RedisServer } from '@test/support/redis-server';
import { startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';

const ROOT = resolve(__dirname, '..', '..');
/** The machine's PostgreSQL; each test gets a scratch database of its own on it. */
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Each process starts through ts-node; on a busy machine that takes several seconds.
jest.setTimeout(240_000);

/**
 * The "Done when" of mail as a job, with real processes: the process that answered the
 * registration is SIGKILLed at once, while the SMTP server is down; the mail still arrives,
 * once, when a worker (Redis) or the restarted process (SQLite) runs the job after SMTP is back.
 */
describe('a welcome mail survives the process that queued it being killed', () => {
  let dir: string;
  let smtp: TestSmtpServer;
  const started: AppProcess[] = [];

  const start = async (env: Record<string, string>) => {
    const app = await startApp({
      entry: resolve(ROOT, 'src/main.ts'),
      env: {
        ...TS_NODE_ENV,
        LOG_LEVEL: 'warn',
        SMTP_URL: smtp.url,
        SMTP_TIMEOUT: '2s',
        MAIL_FROM: 'no-reply@example.test',
        JOBS_BACKOFF: '200ms',
        JOBS_POLL_INTERVAL: '50ms',
        ...env,
      },
    });
    started.push(app);
    await app.waitUntilReady(120_000);
    return app;
  };
  const registerThenKill = async (app: AppProcess, email: string) => {
    const res = await fetch(`${app.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a-good-password', name: 'Ada' }),
    });
    app.child.kill('SIGKILL');
    expect(res.status).toBe(201);
    await app.exited;
  };
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));
  const completedMailJobs = async (app: AppProcess) =>
    metricSample(await (await fetch(`${app.url}/metrics`)).text(), 'app_jobs_completed_total', { queue: 'mail' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mail-crash-'));
    smtp = await startSmtpServer();
    await smtp.stop();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.stop()));
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with PostgreSQL and Redis (BullMQ)', () => {
    let redis: RedisServer;
    let database: ScratchDatabase;
    beforeAll(async () => {
      redis = await startRedisServer();
      database = await createDatabase(POSTGRES_URL);
    });
    afterAll(async () => {
      await redis?.stop();
      await database?.drop();
    });

    it('an api process answers 201 and is SIGKILLed; a worker delivers the mail once SMTP is up', async () => {
      const shared = { REDIS_URL: redis.url, DATABASE_URL: database.url, REDIS_KEY_PREFIX: 'mail-crash:' };
      const email = 'crash-redis@example.test';
      const api = await start({ ...shared, APP_ROLE: 'api' });
      await registerThenKill(api, email);

      const worker = await start({ ...shared, APP_ROLE: 'worker' });
      await smtp.start();
      await waitFor(async () => (await completedMailJobs(worker)) === 1, {
        timeoutMs: 120_000,
        what: 'the worker completed the mail job',
      });
      expect(mailsTo(email)).toHaveLength(1);
    });
  });

  describe('with SQLite (the database queue)', () => {
    it('the restarted process delivers the mail once SMTP is up', async () => {
      const env = { DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}` };
      const email = 'crash-sqlite@example.test';
      const first = await start(env);
      await registerThenKill(first, email);

      const again = await start(env);
      await smtp.start();
      await waitFor(async () => (await completedMailJobs(again)) === 1, {
        timeoutMs: 120_000,
        what: 'the restarted process completed the mail job',
      });
      expect(mailsTo(email)).toHaveLength(1);
    });
  });
});
