import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';
import { ProbeModule } from '@test/support/probe/probe.module';
import { metricSample as sample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';

/** Above the few API calls this suite makes, below the scrapes it makes in a row. */
const THROTTLE_LIMIT = 20;

describe('GET /metrics', () => {
  let t: TestApp;
  const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule], env: { THROTTLE_LIMIT: String(THROTTLE_LIMIT) } });
  });
  afterAll(() => t.close());

  it('labels a parameterised route by its template, never by the raw id, and counts exactly the requests made', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const series = { method: 'GET', route: '/api/v1/probe/:id', status_code: '200' };
    const before = await scrape();
    for (const id of ids) await request(t.server).get(`/api/v1/probe/${id}`).expect(200, { id });
    const after = await scrape();

    expect(sample(after, 'http_requests_total', series) - sample(before, 'http_requests_total', series)).toBe(3);
    expect(
      sample(after, 'http_request_duration_seconds_count', series) -
        sample(before, 'http_request_duration_seconds_count', series),
    ).toBe(3);
    expect(sample(after, 'http_request_duration_seconds_bucket', { ...series, le: '5' })).toBe(
      sample(after, 'http_request_duration_seconds_count', series),
    );
    for (const id of ids) expect(after).not.toContain(id);
  });

  it('labels /api/v1/users/:id by its template and counts logins by result', async () => {
    const email = `metrics-${randomUUID()}@example.com`;
    const password = 'correct-horse-battery';
    const logins = (text: string, result: string) => sample(text, 'auth_logins_total', { result });
    const series = { method: 'GET', route: '/api/v1/users/:id', status_code: '200' };
    const before = await scrape();

    const user = await request(t.server).post('/api/v1/auth/register').send({ email, password, name: 'M' }).expect(201);
    await request(t.server).post('/api/v1/auth/login').send({ email, password: 'wrong-password' }).expect(401);
    const login = await request(t.server).post('/api/v1/auth/login').send({ email, password }).expect(200);
    await request(t.server)
      .get(`/api/v1/users/${user.body.id}`)
      .set('Authorization', `Bearer ${login.body.accessToken}`)
      .expect(200);
    const after = await scrape();

    expect(sample(after, 'http_requests_total', series) - sample(before, 'http_requests_total', series)).toBe(1);
    expect(after).not.toContain(user.body.id);
    expect(logins(after, 'success') - logins(before, 'success')).toBe(1);
    expect(logins(after, 'bad_credentials') - logins(before, 'bad_credentials')).toBe(1);
  });

  it('files unknown paths under route="unmatched"', async () => {
    const id = randomUUID();
    const series = { method: 'GET', route: 'unmatched', status_code: '404' };
    const before = await scrape();
    await request(t.server).get(`/api/v1/no-such-thing/${id}`).expect(404);
    const after = await scrape();
    expect(sample(after, 'http_requests_total', series) - sample(before, 'http_requests_total', series)).toBe(1);
    expect(after).not.toContain(id);
  });

  it('counts requests a guard refuses before any handler or interceptor runs', async () => {
    const series = { method: 'GET', route: '/api/v1/probe/forbidden', status_code: '403' };
    const before = await scrape();
    await request(t.server).get('/api/v1/probe/forbidden').expect(403);
    await request(t.server).get('/api/v1/probe/forbidden').expect(403);
    const after = await scrape();
    expect(sample(after, 'http_requests_total', series) - sample(before, 'http_requests_total', series)).toBe(2);
  });

  it('uses latency buckets from 5 ms to 5 s', async () => {
    await request(t.server).get(`/api/v1/probe/${randomUUID()}`).expect(200);
    const text = await scrape();
    const bounds = text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith('http_request_duration_seconds_bucket{') && line.includes('route="/api/v1/probe/:id"'),
      )
      .map((line) => /le="([^"]+)"/.exec(line)![1]);
    expect([...new Set(bounds)]).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '+Inf',
    ]);
  });

  it('answers in the Prometheus text format, without a token and without a rate limit', async () => {
    // A throttled scrape endpoint would refuse the last of these.
    for (let i = 0; i <= THROTTLE_LIMIT; i++) {
      const res = await request(t.server).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    }
  });

  it('exports process, Node, pool, readiness and business metrics', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
      'nodejs_heap_size_used_bytes',
      'auth_logins_total',
      'auth_tokens_revoked_total',
      'rate_limit_rejections_total',
      'cache_requests_total',
      'rate_limit_storage_errors_total',
      'db_pool_connections',
      'db_pool_max_connections',
      'app_ready',
      'http_requests_in_flight',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    // The scrape itself is the one request in flight.
    expect(sample(text, 'http_requests_in_flight')).toBe(1);
    const total = sample(text, 'db_pool_connections', { pool: 'primary', state: 'total' });
    expect(total).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_connections', { pool: 'primary', state: 'idle' })).toBeLessThanOrEqual(total);
    expect(sample(text, 'db_pool_connections', { pool: 'primary', state: 'waiting' })).toBe(0);
    expect(sample(text, 'db_pool_max_connections', { pool: 'primary' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'app_ready')).toBe(1);
  });

  it('reports not ready from the moment a shutdown begins', async () => {
    t.app.get(LifecycleService).beginShutdown();
    expect(sample(await scrape(), 'app_ready')).toBe(0);
  });
});
