import request from 'supertest';
import { freePort } from '@tools/free-port';
import { waitFor } from '@tools/wait-for';
import { captureLogLines } from '@test/support/log-lines';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';

// A file of its own: the captured log stream belongs to the first app a test process builds.
const freshEmail = () => `mail-store-down-${Date.now()}@example.test`;

describe('Welcome mail when the job store is down', () => {
  let t: TestApp;
  const log = captureLogLines();

  beforeAll(async () => {
    t = await createTestApp({
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LOG_LEVEL: 'error' },
      logs: log.stream,
    });
  });
  afterAll(() => t?.close());

  it('still creates the account and answers 201, logging and counting the lost mail', async () => {
    const res = await request(t.server)
      .post('/api/v1/auth/register')
      .send({ email: freshEmail(), password: 'a-good-password', name: 'Ada' })
      .expect(201);

    const id = res.body.id as string;
    const line = await waitFor(() => log.lines.find((l) => l.userId === id && l.level === 50));
    expect(line).toMatchObject({
      msg: expect.stringContaining('could not be queued'),
    });
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    expect(metricSample(text, 'app_jobs_enqueue_failures_total', { queue: 'mail' })).toBe(1);
  });
});
