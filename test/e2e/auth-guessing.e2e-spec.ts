import request from 'supertest';
import type { Server } from 'node:http';
import { createTestApp, TestApp } from '@test/support/test-app';
import { startRedisServer, RedisServer } from '@test/support/redis-server';
import { authEnv, registerAndLogin, uniqueEmail } from '@test/factories/auth.factory';

const limits = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  LOGIN_MAX_FAILURES_PER_CLIENT: '10',
  LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL: '6',
  LOGIN_FAILURE_WINDOW: '15m',
  THROTTLE_LIMIT: '10000',
  TRUST_PROXY: 'true',
};

const attempt = (server: Server, email: string, password: string, ip: string) =>
  request(server).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

const statuses = (responses: { status: number }[]) => responses.map((r) => r.status);

describe('Password guessing: concurrent attempts', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv(limits) });
  });
  afterAll(() => t.close());

  it('lets no more than the pair limit of a concurrent burst reach the password check', async () => {
    const user = await registerAndLogin(t.server);
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => attempt(t.server, user.email, 'wrong-password', '203.0.113.40')),
    );
    expect(statuses(burst).filter((s) => s !== 429)).toHaveLength(3);
    expect(statuses(burst).filter((s) => s === 401)).toHaveLength(3);
  });

  it('never hands out tokens for the right password sent past the limit inside a burst', async () => {
    const user = await registerAndLogin(t.server);
    const passwords = Array.from({ length: 20 }, (_, i) => (i === 15 ? user.password : 'wrong-password'));
    const burst = await Promise.all(passwords.map((p) => attempt(t.server, user.email, p, '203.0.113.41')));
    expect(statuses(burst).filter((s) => s !== 429)).toHaveLength(3);
    const answered = burst.filter((r) => r.status !== 429);
    expect(answered.every((r) => r.status === 401 || r.status === 200)).toBe(true);
  });

  it('limits a concurrent burst on an unknown email the same way', async () => {
    const email = uniqueEmail('ghost');
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => attempt(t.server, email, 'wrong-password', '203.0.113.42')),
    );
    expect(statuses(burst).filter((s) => s !== 429)).toHaveLength(3);
  });
});

describe('Password guessing: two nodes sharing Redis', () => {
  let own: RedisServer | undefined;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const url = process.env.REDIS_URL ?? (own = await startRedisServer()).url;
    const env = authEnv({ ...limits, REDIS_URL: url, REDIS_KEY_PREFIX: `test:guess:${Date.now()}:` });
    a = await createTestApp({ env });
    b = await createTestApp({ env });
  });
  afterAll(async () => {
    // Each app restores the environment it found, so close in the reverse order of creation.
    await b.close();
    await a.close();
    await own?.stop();
  });

  it('passes no more than the limit across both nodes for one client and account', async () => {
    const email = uniqueEmail('shared');
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        attempt(i % 2 ? a.server : b.server, email, 'wrong-password', '198.51.100.40'),
      ),
    );
    expect(statuses(burst).filter((s) => s !== 429)).toHaveLength(3);
  });
});
