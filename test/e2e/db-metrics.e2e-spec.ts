import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { DbSizeSampler, databaseSizeBytes } from '@/modules/metrics/db-size.sampler';
import { User } from '@/modules/users/entities/user.entity';
import { authEnv, registerAndLogin } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';

const SLOW_QUERY_MS = 250;

/** A statement that takes `ms` on the server, whichever driver is under test. */
function sleepSql(dataSource: DataSource, ms: number): string {
  switch (dataSource.options.type) {
    case 'postgres':
      return `SELECT pg_sleep(${ms / 1000})`;
    case 'mysql':
    case 'mariadb':
      return `SELECT SLEEP(${ms / 1000})`;
    default: {
      // SQLite has no sleep; a function on this connection blocks like a slow statement would.
      if (!(dataSource.driver instanceof BetterSqlite3Driver))
        throw new Error(`no slow statement for ${dataSource.options.type}`);
      const sqlite: SqliteConnection = dataSource.driver.databaseConnection;
      sqlite.function('test_sleep', (wait: number) => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
        return wait;
      });
      return `SELECT test_sleep(${ms})`;
    }
  }
}
interface SqliteConnection {
  function(name: string, fn: (arg: number) => number): void;
}

describe('database and business metrics', () => {
  let t: TestApp;
  let dataSource: DataSource;
  const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;
  const queries = (text: string, operation: string) =>
    metricSample(text, 'db_query_duration_seconds_count', { operation, pool: 'primary' });

  beforeAll(async () => {
    // Role api: without Redis a worker polls the jobs table, and those queries would land
    // between the scrapes this spec compares.
    t = await createTestApp({ env: authEnv({ DATABASE_SLOW_QUERY_MS: String(SLOW_QUERY_MS), APP_ROLE: 'api' }) });
    dataSource = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it('times queries by operation, never by SQL text: exactly the inserts and updates the calls make', async () => {
    const email = `dbm-${randomUUID()}@example.com`;
    const password = 'correct-horse-battery';
    const before = await scrape();

    await request(t.server).post('/api/v1/auth/register').send({ email, password, name: 'Q' }).expect(201);
    const afterRegister = await scrape();
    const login = await request(t.server).post('/api/v1/auth/login').send({ email, password }).expect(200);
    const afterLogin = await scrape();
    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', `Bearer ${login.body.accessToken}`)
      .send({ name: 'Renamed' })
      .expect(200);
    const after = await scrape();

    // One user row (and, without Redis, the welcome mail's row in the jobs table); a session
    // and its first refresh token; one UPDATE of the name.
    const jobRows = process.env.REDIS_URL ? 0 : 1;
    expect(queries(afterRegister, 'insert') - queries(before, 'insert')).toBe(1 + jobRows);
    expect(queries(afterLogin, 'insert') - queries(afterRegister, 'insert')).toBe(2);
    expect(queries(after, 'update') - queries(afterLogin, 'update')).toBe(1);
    expect(queries(after, 'delete') - queries(before, 'delete')).toBe(0);
    expect(queries(afterRegister, 'select')).toBeGreaterThan(queries(before, 'select'));
    expect(metricSample(after, 'db_query_duration_seconds_bucket', { operation: 'insert', le: '+Inf' })).toBe(
      metricSample(after, 'db_query_duration_seconds_count', { operation: 'insert' }),
    );
    for (const [, labels] of after.matchAll(/^db_query_duration_seconds_count\{(.*)\} /gm)) {
      expect(labels).toMatch(/^operation="(select|insert|update|delete|other)",pool="(primary|replica)"$/);
    }
    expect(after).not.toContain(email);
  });

  it('answers a signed-in GET /users/me from the caches once they are warm: no query at all', async () => {
    const { bearer } = await registerAndLogin(t.server);
    const me = () => request(t.server).get('/api/v1/users/me').set('Authorization', bearer);
    await me().expect(200);
    // A scrape runs the readiness check (a query) itself: measure what scraping alone adds.
    const first = await scrape();
    const warm = await scrape();

    for (let i = 0; i < 5; i++) await me().expect(200);

    const after = await scrape();
    for (const operation of ['select', 'insert', 'update', 'delete', 'other']) {
      const scrapeOnly = queries(warm, operation) - queries(first, operation);
      expect(queries(after, operation) - queries(warm, operation)).toBe(scrapeOnly);
    }
  });

  it('counts failed queries by operation', async () => {
    const errors = (text: string) =>
      metricSample(text, 'db_query_errors_total', { operation: 'insert', pool: 'primary' });
    const users = dataSource.getRepository(User);
    const row = users.create({
      id: randomUUID(),
      email: `dup-${randomUUID()}@example.com`,
      name: 'Dup',
      role: 'user',
      isActive: true,
      passwordHash: 'x',
      sessionsValidAfter: new Date(0),
    });
    await users.insert({ ...row });
    const before = await scrape();
    await expect(users.insert({ ...row })).rejects.toThrow();
    await expect(users.insert({ ...row, id: randomUUID() })).rejects.toThrow();
    expect(errors(await scrape()) - errors(before)).toBe(2);
  });

  it(`counts a query slower than DATABASE_SLOW_QUERY_MS (${SLOW_QUERY_MS} ms) as slow and times it`, async () => {
    const slow = (text: string) => metricSample(text, 'db_slow_queries_total', { operation: 'select' });
    const seconds = (text: string) =>
      metricSample(text, 'db_query_duration_seconds_sum', { operation: 'select', pool: 'primary' });
    const sql = sleepSql(dataSource, SLOW_QUERY_MS * 2);
    const before = await scrape();
    await dataSource.query(sql);
    const after = await scrape();

    expect(slow(after) - slow(before)).toBe(1);
    expect(seconds(after) - seconds(before)).toBeGreaterThanOrEqual((SLOW_QUERY_MS * 2) / 1000 - 0.01);
    expect(metricSample(after, 'db_query_duration_seconds_bucket', { operation: 'select', le: '0.25' })).toBeLessThan(
      metricSample(after, 'db_query_duration_seconds_bucket', { operation: 'select', le: '1' }),
    );
  });

  it('reports the database size as sampled, not per scrape', async () => {
    const size = (text: string) => metricSample(text, 'db_size_bytes');
    const sampler = t.app.get(DbSizeSampler);
    const first = size(await scrape());
    expect(first).toBeGreaterThan(0);
    expect(first).toBe(sampler.lastBytes);

    const users = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(t.server)
          .post('/api/v1/auth/register')
          .send({
            email: `size-${i}-${randomUUID()}@example.com`,
            password: 'correct-horse-battery',
            name: 'x'.repeat(90),
          })
          .expect(201),
      ),
    );
    expect(users).toHaveLength(30);
    expect(size(await scrape())).toBe(first);

    await sampler.sample();
    const sampled = size(await scrape());
    expect(sampled).toBe(await databaseSizeBytes(dataSource));
    expect(sampled).toBeGreaterThan(0);
  });

  it('counts each signed-in user active in the last 5 minutes once, however many requests they make', async () => {
    const active = (text: string) => metricSample(text, 'app_active_users');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => registerAndLogin(t.server)));
    const before = await scrape();

    for (const user of [a, a, b, a, c, b]) {
      await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    }
    const after = await scrape();
    await request(t.server).get('/api/v1/users/me').expect(401);
    await request(t.server).get('/api/v1/users/me').set('Authorization', a.bearer).expect(200);

    expect(active(after) - active(before)).toBe(3);
    expect(active(await scrape())).toBe(active(after));
  });
});
