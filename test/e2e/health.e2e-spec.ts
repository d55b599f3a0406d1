import request from 'supertest';
import { DataSource } from 'typeorm';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';
import { createTestApp, TestApp } from '@test/support/test-app';

describe('health endpoints', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    const dataSource = t.app.get(DataSource);
    if (!dataSource.isInitialized) await dataSource.initialize();
    await t.close();
  });

  it('GET /health summarises readiness for a person', async () => {
    const res = await request(t.server).get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      summary: 'Ready: every dependency answers.',
      checks: { database: 'up', shutdown: 'up' },
    });
  });

  it('GET /health/ready answers terminus’ standard body, without auth or the /api/v1 prefix', async () => {
    const res = await request(t.server).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } }, error: {} });
  });

  it('turns not ready, naming the database, when the database is gone, while liveness stays 200', async () => {
    await t.app.get(DataSource).destroy();

    const ready = await request(t.server).get('/health/ready').expect(503);
    expect(ready.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    const summary = await request(t.server).get('/health').expect(503);
    expect(summary.body.summary).toBe('Not ready: database is down.');
    await request(t.server).get('/health/live').expect(200, { status: 'ok' });
  });

  it('turns not ready the moment a shutdown starts', async () => {
    t.app.get(LifecycleService).beginShutdown();

    const res = await request(t.server).get('/health/ready').expect(503);
    expect(res.body.error).toMatchObject({ shutdown: { status: 'down' } });
    await request(t.server).get('/health/live').expect(200);
  });
});
