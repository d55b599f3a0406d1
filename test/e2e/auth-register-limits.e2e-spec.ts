import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv, uniqueEmail } from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;
const PASSWORD = 'a-good-password';

describe('Registration budget', () => {
  let t: TestApp;
  const register = (ip: string, email = uniqueEmail('signup')) =>
    request(t.server)
      .post('/api/v1/auth/register')
      .set('X-Forwarded-For', ip)
      .send({ email, password: PASSWORD, name: 'Sign Up' });
  const rejections = async () => {
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith('rate_limit_rejections_total{limiter="register"} '));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ TRUST_PROXY: 'true', THROTTLE_REGISTER_LIMIT: '10', THROTTLE_REGISTER_TTL: '60s' }),
    });
  });
  afterAll(() => t.close());

  it('answers the 11th registration from one client within the window with 429 and Retry-After, while another client still registers', async () => {
    const before = await rejections();
    for (let i = 0; i < 10; i += 1) {
      const ok = await register('198.51.100.10').expect(201);
      expect(ok.headers['x-ratelimit-limit-register']).toBe('10');
    }

    const refused = await register('198.51.100.10').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(refused.body).toMatchObject({ status: 429, type: '/problems/rate_limited' });
    expect(refused.body.detail).toMatch(/registrations/);
    expect(await rejections()).toBe(before + 1);

    await register('198.51.100.11').expect(201);
  });

  it('counts only registrations against that budget: a client out of it still logs in', async () => {
    const email = uniqueEmail('own');
    await register('198.51.100.20', email).expect(201);
    for (let i = 0; i < 9; i += 1) await register('198.51.100.20').expect(201);
    await register('198.51.100.20').expect(429);

    const login = await request(t.server)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '198.51.100.20')
      .send({ email, password: PASSWORD })
      .expect(200);
    expect(login.headers['x-ratelimit-limit-register']).toBeUndefined();
  });
});

describe('Password hashing queue bound', () => {
  let t: TestApp;
  const register = () =>
    request(t.server)
      .post('/api/v1/auth/register')
      .send({ email: uniqueEmail('burst'), password: PASSWORD, name: 'B' });

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE_MAX: '0' }) });
  });
  afterAll(() => t.close());

  it('refuses what does not fit in the queue with 503 hashing_busy and Retry-After, fails none, and serves again after', async () => {
    const burst = await Promise.all(Array.from({ length: 24 }, () => register()));

    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(statuses).toContain(201);
    const busy = burst.filter((res) => res.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const res of busy) {
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 503, type: '/problems/hashing_busy' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }

    const later = await register().expect(201);
    await request(t.server)
      .post('/api/v1/auth/login')
      .send({ email: later.body.email, password: PASSWORD })
      .expect(200);
  });
});
