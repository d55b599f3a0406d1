import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { http } from '@test/support/http';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * Two real instances on one PostgreSQL database and one Redis: an account deleted through
 * one node must be gone for the other on its very next request, even with that node's
 * view of the account warm.
 */
describe('deleting your own account on a two-node cluster', () => {
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    cluster = await startCluster({ size: 2, env: { THROTTLE_LIMIT: '100000', THROTTLE_REGISTER_LIMIT: '100000' } });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
  });
  afterAll(() => cluster?.stop());

  it('refuses the access token on node B at once when the account is deleted through node A', async () => {
    const email = uniqueEmail('cluster-delete');
    const password = 'a-good-password';
    const registered = await http(`${a.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Leaving' },
    });
    expect(registered.status).toBe(201);
    const tokens = await http(`${b.url}/api/v1/auth/login`, { method: 'POST', body: { email, password } });
    expect(tokens.status).toBe(200);
    const { accessToken, refreshToken } = tokens.body as { accessToken: string; refreshToken: string };
    const me = (node: AppProcess) => http(`${node.url}/api/v1/users/me`, { bearer: accessToken }).then((r) => r.status);
    // Warm B's cached auth state and profile: the deletion must overwrite a cached "alive".
    expect(await Promise.all([me(a), me(b)])).toEqual([200, 200]);

    const deleted = await http(`${a.url}/api/v1/users/me`, {
      method: 'DELETE',
      bearer: accessToken,
      body: { currentPassword: password },
    });
    expect(deleted.status).toBe(204);

    expect(await me(b)).toBe(401);
    const refreshed = await http(`${b.url}/api/v1/auth/refresh`, { method: 'POST', body: { refreshToken } });
    expect(refreshed.status).toBe(401);
    const again = await http(`${b.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Back' },
    });
    expect(again.status).toBe(201);
  });
});
