import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv, registerAndLogin, uniqueEmail } from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('Login failure limits', () => {
  let t: TestApp;
  const attempt = (email: string, password: string, ip = '203.0.113.1') =>
    request(t.server).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        LOGIN_MAX_FAILURES_PER_CLIENT: '5',
        LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL: '6',
        LOGIN_FAILURE_WINDOW: '15m',
        TRUST_PROXY: 'true',
      }),
    });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After and a problem body once an account reaches its failure limit from one client, even with the right password', async () => {
    const user = await registerAndLogin(t.server);
    for (let i = 0; i < 3; i += 1) await attempt(user.email, 'wrong-password', '198.51.100.1').expect(401);

    const blocked = await attempt(user.email, user.password, '198.51.100.1').expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(blocked.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(blocked.body).toMatchObject({ status: 429, type: '/problems/too_many_login_failures' });

    const other = await registerAndLogin(t.server);
    await attempt(other.email, other.password, '198.51.100.1').expect(200);
  });

  it('lets the owner log in from a client without failures while another client is locked out of the account', async () => {
    const user = await registerAndLogin(t.server);
    for (let i = 0; i < 3; i += 1) await attempt(user.email, 'wrong-password', '198.51.100.2').expect(401);
    await attempt(user.email, user.password, '198.51.100.2').expect(429);

    await attempt(user.email, user.password, '198.51.100.3').expect(200);
  });

  it('refuses every client, the owner included, once an account is guessed from many clients up to its total ceiling', async () => {
    const user = await registerAndLogin(t.server);
    for (let i = 0; i < 6; i += 1) await attempt(user.email, 'wrong-password', `198.51.101.${i}`).expect(401);

    const blocked = await attempt(user.email, user.password, '198.51.101.99').expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect(blocked.body).toMatchObject({ status: 429, type: '/problems/too_many_login_failures' });
  });

  it('counts the account case-insensitively', async () => {
    const user = await registerAndLogin(t.server);
    for (const variant of [user.email, user.email.toUpperCase(), ` ${user.email} `]) {
      await attempt(variant, 'wrong-password', '192.0.2.10').expect(401);
    }
    await attempt(user.email, user.password, '192.0.2.10').expect(429);
  });

  it('clears the account and client pair counter on a successful login', async () => {
    const user = await registerAndLogin(t.server);
    await attempt(user.email, 'wrong-password', '192.0.2.20').expect(401);
    await attempt(user.email, 'wrong-password', '192.0.2.20').expect(401);
    await attempt(user.email, user.password, '192.0.2.20').expect(200);
    await attempt(user.email, 'wrong-password', '192.0.2.20').expect(401);
    await attempt(user.email, 'wrong-password', '192.0.2.20').expect(401);
    await attempt(user.email, user.password, '192.0.2.20').expect(200);
  });

  it('answers 429 to a client spraying many accounts, and not to other clients', async () => {
    const sprayer = '203.0.113.77';
    for (let i = 0; i < 5; i += 1) await attempt(uniqueEmail('spray'), 'wrong-password', sprayer).expect(401);
    const blocked = await attempt(uniqueEmail('spray'), 'wrong-password', sprayer).expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

    const user = await registerAndLogin(t.server);
    await attempt(user.email, user.password, sprayer).expect(429);
    await attempt(user.email, user.password, '203.0.113.78').expect(200);
  });

  it('believes only the hop in front with TRUST_PROXY=true: a forged leftmost X-Forwarded-For entry is not a new client', async () => {
    const proxyInFront = '203.0.113.90';
    for (let i = 0; i < 5; i += 1) {
      await attempt(uniqueEmail('forged'), 'wrong-password', `192.0.2.${100 + i}, ${proxyInFront}`).expect(401);
    }
    await attempt(uniqueEmail('forged'), 'wrong-password', `192.0.2.200, ${proxyInFront}`).expect(429);
  });
});

describe('Global request budget', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ THROTTLE_LIMIT: '3', THROTTLE_TTL: '60s' }) });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After and a problem body past the budget, and tells the remaining budget', async () => {
    const first = await request(t.server).get('/api/v1/users/me').expect(401);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    await request(t.server).get('/api/v1/users/me').expect(401);
    await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: 'x' }).expect(401);

    const res = await request(t.server).get('/api/v1/users/me').expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({ status: 429, type: '/problems/rate_limited' });
  });

  it('never throttles the health probes', async () => {
    for (let i = 0; i < 5; i += 1) await request(t.server).get('/health/live').expect(200);
  });
});

describe('Auth metrics', () => {
  let t: TestApp;
  const scrape = async () => (await request(t.server).get('/metrics').expect(200)).text;
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '1' }) });
  });
  afterAll(() => t.close());

  it('counts login results, lock-outs, revocations by reason and auth-state cache lookups', async () => {
    const before = await scrape();
    const user = await registerAndLogin(t.server);
    await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
    await request(t.server)
      .post('/api/v1/auth/logout')
      .set('Authorization', user.bearer)
      .send({ refreshToken: user.tokens.refreshToken })
      .expect(204);
    await request(t.server)
      .post('/api/v1/auth/login')
      .send({ email: user.email, password: 'wrong-password' })
      .expect(401);
    await request(t.server).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(429);
    const after = await scrape();

    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta('auth_logins_total{result="success"}')).toBe(1);
    expect(delta('auth_logins_total{result="bad_credentials"}')).toBe(1);
    expect(delta('auth_logins_total{result="locked_out"}')).toBe(1);
    expect(delta('rate_limit_rejections_total{limiter="login"}')).toBe(1);
    expect(delta('auth_tokens_revoked_total{reason="logout"}')).toBe(1);
    expect(delta('cache_requests_total{cache="session",result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(delta('cache_requests_total{cache="session",result="hit"}')).toBeGreaterThanOrEqual(1);
  });
});
