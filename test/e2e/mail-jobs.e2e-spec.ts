import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobRecord } from '@/infra/jobs/job.entity';
import { User } from '@/modules/users/entities/user.entity';
import { waitFor } from '@tools/wait-for';
import { captureLogLines } from '@test/support/log-lines';
import { metricSample } from '@test/support/metrics-text';
import { bodyOf, headerOf, ReceivedMail, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';
import { createTestApp, TestApp } from '@test/support/test-app';

const APP_URL = 'https://app.example.test';
/** Retries follow each other within a second, so an outage of a few attempts stays short. */
const FAST_JOBS = { JOBS_ATTEMPTS: '8', JOBS_BACKOFF: '50ms', JOBS_POLL_INTERVAL: '20ms' };
/** BullMQ on Redis under `test:integration` (REDIS_URL set), the database queue otherwise. */
const onRedis = () => process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

let sequence = 0;
const freshEmail = () => `mail-jobs-${Date.now()}-${(sequence += 1)}@example.test`;

/**
 * Registration queues the welcome mail as a job; a worker of the same app sends it to a
 * real SMTP server on loopback. SQLite and the database queue by default; PostgreSQL and
 * BullMQ under `test:integration`.
 */
describe(`Welcome mail as a job (${onRedis() ? 'BullMQ on Redis' : 'database queue'})`, () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  const log = captureLogLines();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({
      env: {
        ...FAST_JOBS,
        SMTP_URL: smtp.url,
        SMTP_TIMEOUT: '2s',
        MAIL_FROM: 'Example <no-reply@example.test>',
        APP_PUBLIC_URL: APP_URL,
        LOG_LEVEL: 'info',
      },
      logs: log.stream,
    });
  });
  afterEach(async () => {
    smtp.fault = undefined;
    await smtp.start();
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const register = (email: string, name = 'Ada') =>
    request(t.server).post('/api/v1/auth/register').send({ email, password: 'a-good-password', name });
  const receivedBy = (to: string): ReceivedMail[] => smtp.messages.filter((m) => m.to.includes(to));
  const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;

  /** The queue's view of a job: its state and the attempts it has made. */
  async function jobOf(id: string): Promise<{ state?: string; attempts?: number }> {
    if (!onRedis()) {
      const row = await t.app.get(DataSource).getRepository(JobRecord).findOneBy({ id });
      return { state: row?.state, attempts: row?.attemptsMade };
    }
    const queue = new Queue('mail', {
      connection: { url: process.env.REDIS_URL },
      prefix: `{${process.env.REDIS_KEY_PREFIX}jobs}`,
    });
    try {
      const job = await queue.getJob(id);
      return { state: job ? await job.getState() : undefined, attempts: job?.attemptsMade };
    } finally {
      await queue.close();
    }
  }

  it('answers 201 while the SMTP server still holds the mail, which then arrives from MAIL_FROM', async () => {
    const email = freshEmail();
    const held = smtp.hold();
    let answer: request.Response | undefined;
    const registering = register(email, 'Ada <b>&</b>').then((res) => (answer = res));

    try {
      // Were the request waiting for the mail, it could not answer before the release below.
      await waitFor(() => answer !== undefined, { what: 'the 201 while the mail is held', timeoutMs: 15_000 });
      expect(answer!.status).toBe(201);
      await held.reached;
      expect(receivedBy(email)).toEqual([]);
    } finally {
      held.release();
      await registering;
    }

    const [mail] = await waitFor(() => receivedBy(email).length > 0 && receivedBy(email), { what: 'the mail' });
    expect(mail).toMatchObject({ from: 'no-reply@example.test', to: [email] });
    expect(headerOf(mail.raw, 'From')).toBe('Example <no-reply@example.test>');
    expect(headerOf(mail.raw, 'To')).toBe(email);
    const htmlBody = bodyOf(mail.raw, 'text/html') ?? '';
    expect(htmlBody).toContain('Hello Ada &lt;b&gt;&amp;&lt;/b&gt;,');
    expect(htmlBody).not.toContain('<b>&</b>');
    expect(htmlBody).toContain(`<a href="${APP_URL}">Sign in</a>`);
    expect(bodyOf(mail.raw, 'text/plain')).toContain('Hello Ada <b>&</b>,');
    const jobId = `welcome-${answer!.body.id as string}`;
    await waitFor(async () => (await jobOf(jobId)).state === 'completed', { what: 'the job completed' });
  });

  it('keeps the mail while the SMTP server is down and delivers it once it is back, exactly once', async () => {
    const email = freshEmail();
    await smtp.stop();

    const res = await register(email).expect(201);
    const jobId = `welcome-${res.body.id as string}`;
    // Two attempts failed against the stopped server: it is being retried, not dropped.
    await waitFor(() => log.lines.some((l) => l.jobId === jobId && l.attempt === 2 && l.level === 40), {
      what: 'a second failed attempt',
    });
    expect(receivedBy(email)).toEqual([]);

    await smtp.start();
    await waitFor(async () => (await jobOf(jobId)).state === 'completed', { what: 'the job completed' });
    expect(receivedBy(email)).toHaveLength(1);
    expect((await jobOf(jobId)).attempts).toBeGreaterThan(2);
  });

  it('fails the job after one attempt when the server refuses the recipient with 550, and counts it', async () => {
    const failedBefore = metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'mail' });
    const email = freshEmail();
    smtp.fault = { kind: 'reject', at: 'rcpt', code: 550 };

    const res = await register(email).expect(201);
    const jobId = `welcome-${res.body.id as string}`;

    await waitFor(async () => (await jobOf(jobId)).state === 'failed', { what: 'the job failed' });
    expect((await jobOf(jobId)).attempts).toBe(1);
    await waitFor(
      async () => metricSample(await scrape(), 'app_jobs_failed_total', { queue: 'mail' }) === failedBefore + 1,
      { what: 'the failure counted' },
    );
    const line = await waitFor(() => log.lines.find((l) => l.jobId === jobId && l.level === 50));
    expect(line).toMatchObject({ attempts: 1, permanent: true });
    expect(receivedBy(email)).toEqual([]);
  });

  it('completes without sending when the user was deleted before an attempt', async () => {
    const email = freshEmail();
    await smtp.stop();
    const res = await register(email).expect(201);
    const id = res.body.id as string;
    const jobId = `welcome-${id}`;
    await waitFor(() => log.lines.some((l) => l.jobId === jobId && l.level === 40), { what: 'a failed attempt' });

    await t.app.get(DataSource).getRepository(User).delete({ id });
    // An attempt that read the user before the delete may still be under way: it must fail
    // (SMTP is down) before SMTP comes back, or it would send a mail this test does not test.
    const failures = () => log.lines.filter((l) => l.jobId === jobId && l.level === 40).length;
    const failedBefore = failures();
    await waitFor(async () => failures() > failedBefore || (await jobOf(jobId)).state === 'completed', {
      what: 'no attempt that read the user before the delete',
    });
    await smtp.start();

    await waitFor(async () => (await jobOf(jobId)).state === 'completed', { what: 'the job completed' });
    expect(receivedBy(email)).toEqual([]);
    expect(log.lines.find((l) => l.userId === id && l.level === 30 && l.jobId === jobId)).toMatchObject({
      msg: expect.stringContaining('deleted'),
    });
  });
});
