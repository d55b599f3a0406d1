import type { AppProcess } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { http } from '@test/support/http';
import { Cluster, startCluster } from '@tools/cluster';
import { metricSample } from '@test/support/metrics-text';
import { RedisClusterServers, startRedisCluster } from '@test/support/redis-cluster';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * Three app instances whose shared state lives in a real 3-master Redis Cluster
 * (REDIS_CLUSTER_NODES), instead of one Redis server: tokens, revocations, the request
 * budget and the active-user count must behave exactly as they do on a single Redis.
 */

const BUDGET = 30;

interface Account {
  email: string;
  accessToken: string;
  refreshToken: string;
}

describe('three instances on a Redis Cluster', () => {
  let redis: RedisClusterServers | undefined;
  let cluster: Cluster | undefined;
  let a: AppProcess;
  let b: AppProcess;
  let c: AppProcess;

  /** `localAddress` picks the client the request budget is counted for (default 127.0.0.1). */
  async function signUp(node: AppProcess, localAddress?: string): Promise<Account> {
    const email = uniqueEmail('rc');
    const password = 'a-good-password';
    const body = { email, password, name: 'Redis Cluster User' };
    const registered = await http(`${node.url}/api/v1/auth/register`, { method: 'POST', body, localAddress });
    expect(registered.status).toBe(201);
    const tokens = await http(`${node.url}/api/v1/auth/login`, {
      method: 'POST',
      body: { email, password },
      localAddress,
    });
    expect(tokens.status).toBe(200);
    return { email, ...tokens.body };
  }
  const me = (node: AppProcess, account: Account, localAddress?: string) =>
    http(`${node.url}/api/v1/users/me`, { bearer: account.accessToken, localAddress }).then((r) => r.status);
  const activeUsers = async (node: AppProcess) =>
    metricSample((await http(`${node.url}/metrics`)).body as string, 'app_active_users');

  beforeAll(async () => {
    redis = await startRedisCluster(3);
    cluster = await startCluster({
      size: 3,
      env: { REDIS_URL: '', REDIS_CLUSTER_NODES: redis.nodes, THROTTLE_LIMIT: String(BUDGET), THROTTLE_TTL: '60s' },
    });
    [a, b, c] = cluster.nodes as [AppProcess, AppProcess, AppProcess];
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it('boots every node ready on the cluster, its keys spread over the masters', async () => {
    for (const node of cluster!.nodes) {
      const ready = await http(`${node.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({ redis: { status: 'up' } });
    }
    const mastersHoldingKeys = async () => {
      const holding = await Promise.all(
        redis!.ports.map(async (port) => (await redis!.node(port).keys(`${cluster!.redisKeyPrefix}*`)).length),
      );
      return holding.filter((n) => n > 0).length;
    };
    // A user's auth state shares one hash tag, so one user's keys may all sit on one
    // master; each further user lands on a random slot. Twenty users all on one of three
    // masters has a chance of about 1 in 10^9. Each user is its own client, so this test
    // spends none of the request budget the other tests count on.
    let users = 0;
    do {
      users += 1;
      const client = `127.0.1.${users}`;
      const user = await signUp(a, client);
      expect(await Promise.all([me(a, user, client), me(b, user, client), me(c, user, client)])).toEqual([
        200, 200, 200,
      ]);
    } while (users < 20 && (await mastersHoldingKeys()) < 2);
    expect(await mastersHoldingKeys()).toBeGreaterThanOrEqual(2);
  });

  it('accepts a token issued by one node on the others, and spends a refresh token once for all', async () => {
    const user = await signUp(a);
    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([200, 200]);
    // The guard reads user and session state with one MGET: it must hit on the cluster too
    // (keys in different slots would fail it, and every request would go to the database).
    const sessionHits = async () =>
      metricSample((await http(`${b.url}/metrics`)).body as string, 'cache_requests_total', {
        cache: 'session',
        result: 'hit',
      });
    const hitsBefore = await sessionHits();
    expect(await me(b, user)).toBe(200);
    expect(await sessionHits()).toBe(hitsBefore + 1);
    const body = { refreshToken: user.refreshToken };
    expect((await http(`${c.url}/api/v1/auth/refresh`, { method: 'POST', body })).status).toBe(200);
    expect((await http(`${b.url}/api/v1/auth/refresh`, { method: 'POST', body })).status).toBe(401);
  });

  it('refuses a token on B and C the moment it is logged out on A', async () => {
    const user = await signUp(a);
    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([200, 200]);
    const out = await http(`${a.url}/api/v1/auth/logout`, {
      method: 'POST',
      bearer: user.accessToken,
      body: { refreshToken: user.refreshToken },
    });
    expect(out.status).toBe(204);
    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([401, 401]);
  });

  it('holds one request budget per client for the whole cluster', async () => {
    const client = { localAddress: '127.0.0.31' };
    const results = await Promise.all(
      Array.from({ length: 2 * BUDGET }, (_, i) =>
        http(`${cluster!.nodes[i % 3].url}/api/v1/users/me`, client).then((r) => r.status),
      ),
    );
    expect(results.sort()).toEqual([...Array(BUDGET).fill(401), ...Array(BUDGET).fill(429)]);
  });

  it('counts active users once across the cluster, the same on every node', async () => {
    const before = await activeUsers(a);
    const [x, y] = [await signUp(b), await signUp(c)];
    expect(await Promise.all([me(a, x), me(b, y), me(c, x), me(a, y), me(b, x)])).toEqual([200, 200, 200, 200, 200]);

    const counts = await waitFor(
      async () => {
        const seen = await Promise.all(cluster!.nodes.map(activeUsers));
        return seen.every((n) => n === before + 2) ? seen : undefined;
      },
      { timeoutMs: 10_000, what: 'every node to report the two new active users' },
    );
    expect(counts).toEqual([before + 2, before + 2, before + 2]);
  });
});
