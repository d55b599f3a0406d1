import request from 'supertest';
import { freePort } from '@tools/free-port';
import { createTestApp, TestApp } from '@test/support/test-app';

describe('health with Redis configured but unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
  });
  afterAll(() => t.close());

  it('boots without waiting for Redis, and reports not ready naming redis', async () => {
    const ready = await request(t.server).get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' }, shutdown: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });

    const summary = await request(t.server).get('/health').expect(503);
    expect(summary.body).toMatchObject({ status: 'unavailable', summary: 'Not ready: redis is down.' });
  });

  it('stays alive: liveness touches no dependency', async () => {
    await request(t.server).get('/health/live').expect(200, { status: 'ok' });
  });
});
