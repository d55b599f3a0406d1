import { Client } from 'pg';
import type { AppProcess } from '@tools/app-process';
import { http } from '@test/support/http';
import { Cluster, startCluster } from '@tools/cluster';
import { uniqueEmail } from '@test/factories/auth.factory';

/**
 * Three real instances on one fresh PostgreSQL database and one Redis, talked to directly
 * (no load balancer): whatever one node does, the others must see on the very next request.
 */

const ADMIN = { email: 'admin@cluster.test', password: 'cluster-admin-password' };

interface Account {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

describe('three instances on shared PostgreSQL and Redis', () => {
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;
  let c: AppProcess;
  let admin: Account;

  const login = async (node: AppProcess, email: string, password: string) =>
    http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: { email, password } });

  async function signUp(node: AppProcess): Promise<Account> {
    const email = uniqueEmail('cluster');
    const password = 'a-good-password';
    const registered = await http(`${node.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Cluster User' },
    });
    expect(registered.status).toBe(201);
    const tokens = await login(node, email, password);
    expect(tokens.status).toBe(200);
    return { id: registered.body.id, email, password, ...tokens.body };
  }

  const me = (node: AppProcess, account: Account) =>
    http(`${node.url}/api/v1/users/me`, { bearer: account.accessToken }).then((r) => r.status);

  beforeAll(async () => {
    cluster = await startCluster({
      size: 3,
      env: {
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        THROTTLE_LIMIT: '100000',
        THROTTLE_REGISTER_LIMIT: '100000',
      },
    });
    [a, b, c] = cluster.nodes as [AppProcess, AppProcess, AppProcess];
    const tokens = await login(b, ADMIN.email, ADMIN.password);
    admin = { id: '', email: ADMIN.email, password: ADMIN.password, ...tokens.body };
  });
  afterAll(() => cluster?.stop());

  it('boots together on an empty database: one migration run, one admin, every node ready and on Redis', async () => {
    await Promise.all(cluster.nodes.map((node) => node.logsWritten()));
    const logged = (text: string) => cluster.nodes.filter((node) => node.output.some((line) => line.includes(text)));
    const migrated = logged('Applied ');
    const created = logged('Created the first admin');
    expect(migrated).toHaveLength(1);
    expect(created).toHaveLength(1);

    const db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const runs = await db.query<{ runs: string }>('SELECT count(*) AS runs FROM migrations GROUP BY name');
      expect(runs.rows.length).toBeGreaterThan(0);
      expect(runs.rows.every((row) => Number(row.runs) === 1)).toBe(true);
      const admins = await db.query<{ n: string }>("SELECT count(*) AS n FROM users WHERE role = 'admin'");
      expect(Number(admins.rows[0].n)).toBe(1);
    } finally {
      await db.end();
    }

    for (const node of cluster.nodes) {
      const ready = await http(`${node.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
    }
  });

  it('accepts a token issued by one node on every other node', async () => {
    const user = await signUp(a);

    expect(await Promise.all([me(a, user), me(b, user), me(c, user)])).toEqual([200, 200, 200]);
    const refreshed = await http(`${c.url}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: user.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    // The spent refresh token is refused on another node: single use holds cluster-wide.
    const replayed = await http(`${b.url}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: user.refreshToken },
    });
    expect(replayed.status).toBe(401);
  });

  it('refuses a token on B and C the moment it is logged out on A', async () => {
    const user = await signUp(a);
    // Warm every node's view of the session first: the logout must overwrite a cached "alive".
    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([200, 200]);

    const out = await http(`${a.url}/api/v1/auth/logout`, {
      method: 'POST',
      bearer: user.accessToken,
      body: { refreshToken: user.refreshToken },
    });
    expect(out.status).toBe(204);

    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([401, 401]);
    const refresh = await http(`${c.url}/api/v1/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: user.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it('refuses a user on B and C the moment an admin deactivates them on A', async () => {
    const user = await signUp(b);
    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([200, 200]);

    const deactivated = await http(`${a.url}/api/v1/users/${user.id}`, {
      method: 'PATCH',
      bearer: admin.accessToken,
      body: { isActive: false },
    });
    expect(deactivated.status).toBe(200);

    expect(await Promise.all([me(b, user), me(c, user)])).toEqual([401, 401]);
    expect((await login(c, user.email, user.password)).status).toBe(401);
  });

  it('shows an admin update made on A on the next read on B, with the cache warmed first', async () => {
    const user = await signUp(c);
    const readOnB = () => http(`${b.url}/api/v1/users/${user.id}`, { bearer: admin.accessToken });
    const listOnB = () => http(`${b.url}/api/v1/users?limit=1`, { bearer: user.accessToken }).then((r) => r.status);
    const meOnB = () => http(`${b.url}/api/v1/users/me`, { bearer: user.accessToken }).then((r) => r.body);
    // Warm B: the user's state (role) through the guard, their cached profile, and the record itself.
    expect(await listOnB()).toBe(403);
    expect(await meOnB()).toMatchObject({ role: 'user', name: 'Cluster User' });
    expect((await readOnB()).body).toMatchObject({ role: 'user', name: 'Cluster User' });

    const promoted = await http(`${a.url}/api/v1/users/${user.id}`, {
      method: 'PATCH',
      bearer: admin.accessToken,
      body: { role: 'admin', name: 'Renamed On A' },
    });
    expect(promoted.status).toBe(200);

    expect((await readOnB()).body).toMatchObject({ role: 'admin', name: 'Renamed On A' });
    expect(await meOnB()).toMatchObject({ role: 'admin', name: 'Renamed On A' });
    expect(await listOnB()).toBe(200);

    const demoted = await http(`${a.url}/api/v1/users/${user.id}`, {
      method: 'PATCH',
      bearer: admin.accessToken,
      body: { role: 'user' },
    });
    expect(demoted.status).toBe(200);
    expect(await listOnB()).toBe(403);
  });
});
