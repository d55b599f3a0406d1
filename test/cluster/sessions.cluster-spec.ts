import type { AppProcess } from '@tools/app-process';
import { http } from '@test/support/http';
import { Cluster, startCluster } from '@tools/cluster';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * Two real instances on one PostgreSQL database and one Redis: a session a user ends on
 * one node through DELETE /auth/sessions/{id} must be refused by the other on its very
 * next request, even though that node had just seen it alive.
 */
describe('ending a session on two instances', () => {
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    cluster = await startCluster({ size: 2, env: { THROTTLE_LIMIT: '100000', THROTTLE_REGISTER_LIMIT: '100000' } });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
  });
  afterAll(() => cluster?.stop());

  const login = async (node: AppProcess, account: { email: string; password: string }) => {
    const res = await http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: account });
    expect(res.status).toBe(200);
    return res.body as { accessToken: string; refreshToken: string };
  };
  const me = (node: AppProcess, accessToken: string) =>
    http(`${node.url}/api/v1/users/me`, { bearer: accessToken }).then((r) => r.status);

  it('refuses on B, at once, the tokens of a session ended on A', async () => {
    const account = { email: uniqueEmail('sessions'), password: 'a-good-password' };
    const registered = await http(`${a.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { ...account, name: 'Two Devices' },
    });
    expect(registered.status).toBe(201);
    const laptop = await login(a, account);
    const phone = await login(b, account);
    // B has just checked the laptop's session and holds it as alive.
    expect(await me(b, laptop.accessToken)).toBe(200);

    const listed = await http(`${a.url}/api/v1/auth/sessions`, { bearer: phone.accessToken });
    expect(listed.status).toBe(200);
    const sessions = listed.body as Array<{ id: string; current: boolean }>;
    expect(sessions).toHaveLength(2);
    const other = sessions.find((s) => !s.current)!;
    const ended = await http(`${a.url}/api/v1/auth/sessions/${other.id}`, {
      method: 'DELETE',
      bearer: phone.accessToken,
    });
    expect(ended.status).toBe(204);

    expect(await me(b, laptop.accessToken)).toBe(401);
    const refresh = await http(`${b.url}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: laptop.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(await me(b, phone.accessToken)).toBe(200);
  });
});
