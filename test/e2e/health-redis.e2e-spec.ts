import { AddressInfo, createServer } from 'node:net';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';

/** A loopback port nobody listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('health with Redis configured but unreachable', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
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
