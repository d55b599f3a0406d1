import { Registry } from 'prom-client';
import request from 'supertest';
import { ActiveUsers } from '@/modules/metrics/active-users';
import { authEnv, loginAdmin, registerAndLogin, SignedIn } from '@test/factories/auth.factory';
import { metricSample } from '@test/support/metrics-text';
import { RedisServer, startRedisServer } from '@test/support/redis-server';
import { startTcpProxy, TcpProxy } from '@test/support/tcp-proxy';
import { createTestApp, TestApp } from '@test/support/test-app';

/**
 * What an authenticated read costs once its entries are cached: the app reaches Redis
 * through a proxy that reads every command on the shared connection and counts the round
 * trips, the writes it made after an answer. The rate-limit script and the token check's
 * MGET (with the profile, on the routes that answer with one) must go out in one write,
 * and the database must not be asked at all.
 */
describe('Redis round trips of a warm authenticated request', () => {
  let own: RedisServer | undefined;
  let proxy: TcpProxy;
  let t: TestApp;
  let user: SignedIn;

  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL ?? (own = await startRedisServer()).url);
    proxy = await startTcpProxy({ port: Number(redis.port || 6379), host: redis.hostname });
    t = await createTestApp({ env: authEnv({ REDIS_URL: `redis://${proxy.address}` }) });
    user = await registerAndLogin(t.server);
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await own?.stop();
  });

  /** Queries the database has answered so far (every pool, every operation). */
  const queries = async () =>
    metricSample(
      await t.app.get(Registry).getSingleMetricAsString('db_query_duration_seconds'),
      'db_query_duration_seconds_count',
    );

  /** The shared connection of the app (the job queues have connections of their own). */
  const shared = () => {
    const connections = proxy.traffic().filter((c) => c.name === 'nest-enterprise-backend');
    expect(connections).toHaveLength(1);
    return connections[0];
  };

  /** Sends `path` until its entries are cached, then once more, counting what that last one cost. */
  async function warmRequest(path: string, bearer = user.bearer) {
    for (let i = 0; i < 2; i += 1) await request(t.server).get(path).set('Authorization', bearer).expect(200);
    // Sends this minute's active-user sighting now, so it cannot land in the measured request.
    await t.app.get(ActiveUsers).flush();
    const before = await queries();
    proxy.resetTraffic();
    const res = await request(t.server).get(path).set('Authorization', bearer).expect(200);
    const traffic = shared();
    return {
      body: res.body as { id: string },
      roundTrips: traffic.roundTrips,
      commands: traffic.commands.map(([name]) => name.toLowerCase()).sort(),
      keys: traffic.commands.filter(([name]) => name.toLowerCase() === 'mget').flatMap(([, ...keys]) => keys),
      queries: (await queries()) - before,
    };
  }

  it('answers GET /users/me in one round trip: the rate-limit script and one MGET, no query', async () => {
    const cost = await warmRequest('/api/v1/users/me');

    expect(cost.body.id).toBe(user.id);
    expect(cost.roundTrips).toBe(1);
    expect(cost.commands).toEqual(['evalsha', 'mget']);
    expect(cost.keys.map((key) => key.replace(/^.*?cache:/, '').replace(user.id, 'ID'))).toEqual([
      'auth:{ID}:user',
      expect.stringMatching(/^auth:\{ID\}:session:/),
      'users:{ID}:profile',
    ]);
    expect(cost.queries).toBe(0);
  });

  it('answers GET /users/:id of oneself the same way', async () => {
    const cost = await warmRequest(`/api/v1/users/${user.id}`);

    expect(cost.body.id).toBe(user.id);
    expect(cost.roundTrips).toBe(1);
    expect(cost.commands).toEqual(['evalsha', 'mget']);
    expect(cost.queries).toBe(0);
  });

  it("reads another user's profile for an admin from the cache too, in a second round trip", async () => {
    const admin = await loginAdmin(t.server);

    const cost = await warmRequest(`/api/v1/users/${user.id}`, admin.bearer);

    expect(cost.body.id).toBe(user.id);
    // That profile is under another user's hash tag, so it cannot join the token's MGET on a Cluster.
    expect(cost.roundTrips).toBe(2);
    expect(cost.commands).toEqual(['evalsha', 'get', 'mget']);
    expect(cost.queries).toBe(0);
  });

  it('sends a route that reads no profile in one round trip with the token state alone', async () => {
    const cost = await warmRequest('/api/v1/auth/sessions');

    expect(cost.roundTrips).toBe(1);
    expect(cost.commands).toEqual(['evalsha', 'mget']);
    expect(cost.keys).toHaveLength(2);
  });
});
