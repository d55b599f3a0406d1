import request from 'supertest';
import type { Server } from 'node:http';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { createTestApp, TestApp } from '@test/support/test-app';
import { startRedisServer, RedisServer } from '@test/support/redis-server';
import { authEnv, login, registerAndLogin, SignedIn } from '@test/factories/auth.factory';
import { waitFor } from '@tools/wait-for';

const PROBLEM_JSON = /^application\/problem\+json/;
const NEW_PASSWORD = 'a-brand-new-passphrase';

const limits = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  LOGIN_MAX_FAILURES_PER_CLIENT: '10',
  LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL: '6',
  LOGIN_FAILURE_WINDOW: '15m',
  TRUST_PROXY: 'true',
};

const changePassword = (server: Server, user: SignedIn, currentPassword: string, ip: string) =>
  request(server)
    .patch('/api/v1/users/me')
    .set('Authorization', user.bearer)
    .set('X-Forwarded-For', ip)
    .send({ password: NEW_PASSWORD, currentPassword });

const attemptLogin = (server: Server, email: string, password: string, ip: string) =>
  request(server).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

describe('Guessing currentPassword with a stolen access token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv(limits) });
  });
  afterAll(() => t.close());

  it('refuses the right password after the account limit of wrong guesses: 429, nothing changed, no session revoked', async () => {
    const owner = await registerAndLogin(t.server);
    const otherSession = await login(t.server, owner.email, owner.password);
    for (let i = 0; i < 3; i += 1) {
      const wrong = await changePassword(t.server, owner, `wrong-guess-${i}`, '198.51.100.60').expect(400);
      expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
    }

    const blocked = await changePassword(t.server, owner, owner.password, '198.51.100.60').expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(900);
    expect(blocked.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(blocked.body).toMatchObject({ status: 429, type: '/problems/too_many_login_failures' });

    await attemptLogin(t.server, owner.email, owner.password, '198.51.100.61').expect(200);
    await attemptLogin(t.server, owner.email, NEW_PASSWORD, '198.51.100.62').expect(401);
    await request(t.server)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${otherSession.accessToken}`)
      .expect(200);
    await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: otherSession.refreshToken }).expect(200);
  });

  it('adds login failures and currentPassword failures up on one account counter', async () => {
    const owner = await registerAndLogin(t.server);
    await attemptLogin(t.server, owner.email, 'wrong-password', '198.51.100.70').expect(401);
    await attemptLogin(t.server, owner.email, 'wrong-password', '198.51.100.70').expect(401);
    await changePassword(t.server, owner, 'wrong-guess', '198.51.100.70').expect(400);

    await changePassword(t.server, owner, owner.password, '198.51.100.70').expect(429);
    await attemptLogin(t.server, owner.email, owner.password, '198.51.100.70').expect(429);
  });

  it('locks login out after currentPassword failures, and the other way round', async () => {
    const owner = await registerAndLogin(t.server);
    for (let i = 0; i < 3; i += 1) await changePassword(t.server, owner, 'wrong-guess', '198.51.100.80').expect(400);
    await attemptLogin(t.server, owner.email, owner.password, '198.51.100.80').expect(429);

    // The account-wide ceiling (6) counts both routes from every client.
    for (let i = 0; i < 3; i += 1) {
      await attemptLogin(t.server, owner.email, 'wrong-password', `198.51.100.${90 + i}`).expect(401);
    }
    await changePassword(t.server, owner, owner.password, '198.51.100.99').expect(429);
  });

  it('changes the password with the right currentPassword and gives the attempt back', async () => {
    const owner = await registerAndLogin(t.server);
    await changePassword(t.server, owner, 'wrong-guess', '198.51.100.100').expect(400);
    await changePassword(t.server, owner, 'wrong-guess', '198.51.100.100').expect(400);
    await changePassword(t.server, owner, owner.password, '198.51.100.100').expect(200);

    await attemptLogin(t.server, owner.email, 'wrong-password', '198.51.100.100').expect(401);
    await attemptLogin(t.server, owner.email, NEW_PASSWORD, '198.51.100.100').expect(200);
  });
});

/**
 * One app per Redis: passport keeps its strategies process-wide, so only the app created
 * last in a process verifies access tokens against its own database.
 */
function withRedisGone(loginFailClosed: string) {
  const state = {} as { redis: RedisServer; t: TestApp; user: SignedIn };
  const connected = () => state.t.app.get<RedisClient>(REDIS_CLIENT).status === 'ready';

  beforeAll(async () => {
    state.redis = await startRedisServer();
    state.t = await createTestApp({ env: authEnv({ REDIS_URL: state.redis.url, LOGIN_FAIL_CLOSED: loginFailClosed }) });
    await waitFor(connected, { what: 'the app connected to Redis' });
    state.user = await registerAndLogin(state.t.server);
    await state.redis.stop();
    await waitFor(() => !connected(), { what: 'the app to see Redis gone' });
  });
  afterAll(async () => {
    await state.t?.close();
    await state.redis?.stop();
  });
  return state;
}

describe('Password checks while the counters in Redis are down (default: fail open)', () => {
  const down = withRedisGone('false');

  it('checks passwords uncounted: login answers 401 and 200, a password change 400 and 200', async () => {
    const { t, user } = down;
    await attemptLogin(t.server, user.email, 'wrong-password', '203.0.113.60').expect(401);
    await attemptLogin(t.server, user.email, user.password, '203.0.113.60').expect(200);
    await changePassword(t.server, user, 'wrong-guess', '203.0.113.60').expect(400);
    await changePassword(t.server, user, user.password, '203.0.113.60').expect(200);
  });
});

describe('Password checks while the counters in Redis are down, with LOGIN_FAIL_CLOSED', () => {
  const down = withRedisGone('true');

  it('refuses every password check with 503 and Retry-After, and nothing else', async () => {
    const { t, user } = down;
    for (const password of ['wrong-password', user.password]) {
      const refused = await attemptLogin(t.server, user.email, password, '203.0.113.61').expect(503);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(refused.body).toMatchObject({ status: 503, type: '/problems/login_limit_unavailable' });
    }

    const change = await changePassword(t.server, user, user.password, '203.0.113.61').expect(503);
    expect(Number(change.headers['retry-after'])).toBeGreaterThan(0);
    expect(change.body).toMatchObject({ status: 503, type: '/problems/login_limit_unavailable' });

    await request(t.server)
      .patch('/api/v1/users/me')
      .set('Authorization', user.bearer)
      .send({ name: 'Still Here' })
      .expect(200);
    await attemptLogin(t.server, user.email, NEW_PASSWORD, '203.0.113.62').expect(503);
  });
});
