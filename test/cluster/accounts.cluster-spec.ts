import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';
import { linkMailed, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';

const APP_URL = 'https://app.cluster.test';
const PASSWORD = 'a-good-password';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

/**
 * The account flows on two real instances sharing one PostgreSQL database and one Redis,
 * mailing through a loopback SMTP server. In each, node B has just seen the account's
 * state alive (cached), and a change made through node A must reach B's very next request.
 */
describe('account flows across two instances', () => {
  let smtp: TestSmtpServer;
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cluster = await startCluster({
      size: 2,
      env: { SMTP_URL: smtp.url, APP_PUBLIC_URL: APP_URL, THROTTLE_LIMIT: '100000', THROTTLE_REGISTER_LIMIT: '100000' },
    });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
  });
  afterAll(async () => {
    await cluster?.stop();
    await smtp?.stop();
  });

  const register = async (node: AppProcess, prefix: string) => {
    const email = uniqueEmail(prefix);
    const res = await http(`${node.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password: PASSWORD, name: 'Cluster User' },
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, email };
  };
  const login = (node: AppProcess, email: string, password = PASSWORD) =>
    http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: { email, password } });
  const signIn = async (node: AppProcess, email: string): Promise<Pair> => {
    const res = await login(node, email);
    expect(res.status).toBe(200);
    return res.body as Pair;
  };
  const me = (node: AppProcess, accessToken: string) =>
    http(`${node.url}/api/v1/users/me`, { bearer: accessToken }).then((r) => r.status);
  const refresh = (node: AppProcess, refreshToken: string) =>
    http(`${node.url}/api/v1/auth/refresh`, { method: 'POST', body: { refreshToken } }).then((r) => r.status);
  const linkTo = (email: string, page: string) => linkMailed(smtp, { to: email, appUrl: APP_URL, page });

  it('verifies on node B, and node A shows emailVerified at once', async () => {
    const user = await register(a, 'cluster-verify');
    const { accessToken } = await signIn(a, user.email);
    // Node A now holds the unverified profile in the shared cache.
    expect((await http(`${a.url}/api/v1/users/me`, { bearer: accessToken })).body.emailVerified).toBe(false);

    const token = await linkTo(user.email, 'verify-email');
    expect((await http(`${b.url}/api/v1/auth/email/verify`, { method: 'POST', body: { token } })).status).toBe(204);

    const profile = await http(`${a.url}/api/v1/users/me`, { bearer: accessToken });
    expect(profile.body).toMatchObject({ id: user.id, emailVerified: true });
    expect((await http(`${a.url}/api/v1/auth/email/verify`, { method: 'POST', body: { token } })).status).toBe(400);
  });

  it('refuses the old tokens on both nodes at once when a reset link asked for on A is spent on B', async () => {
    const user = await register(a, 'cluster-reset');
    const sessions = [await signIn(a, user.email), await signIn(b, user.email)];
    // Both nodes have seen both sessions alive: the reset must overwrite what they cached.
    const everywhere = () => sessions.flatMap((s) => [me(a, s.accessToken), me(b, s.accessToken)]);
    expect(await Promise.all(everywhere())).toEqual([200, 200, 200, 200]);

    const forgot = await http(`${a.url}/api/v1/auth/password/forgot`, { method: 'POST', body: { email: user.email } });
    expect(forgot.status).toBe(202);
    const token = await linkTo(user.email, 'reset-password');
    const newPassword = 'a-brand-new-password';
    const reset = await http(`${b.url}/api/v1/auth/password/reset`, {
      method: 'POST',
      body: { token, password: newPassword },
    });
    expect(reset.status).toBe(204);

    expect(await Promise.all(everywhere())).toEqual([401, 401, 401, 401]);
    const refreshes = sessions.flatMap((s) => [refresh(a, s.refreshToken), refresh(b, s.refreshToken)]);
    expect(await Promise.all(refreshes)).toEqual([401, 401, 401, 401]);
    expect((await login(a, user.email)).status).toBe(401);
    const fresh = await login(a, user.email, newPassword);
    expect(fresh.status).toBe(200);
    expect(await me(b, fresh.body.accessToken)).toBe(200);
  });

  it('changes the address only once the new one confirms, whichever node each step reaches', async () => {
    const user = await register(a, 'cluster-change');
    const { accessToken } = await signIn(b, user.email);
    const newEmail = uniqueEmail('cluster-changed');
    const asked = await http(`${a.url}/api/v1/users/me`, {
      method: 'PATCH',
      bearer: accessToken,
      body: { email: newEmail, currentPassword: PASSWORD },
    });
    expect(asked.status).toBe(200);
    expect(asked.body.email).toBe(user.email);
    expect((await http(`${b.url}/api/v1/users/me`, { bearer: accessToken })).body.email).toBe(user.email);

    const token = await linkTo(newEmail, 'verify-email');
    expect((await http(`${b.url}/api/v1/auth/email/verify`, { method: 'POST', body: { token } })).status).toBe(204);

    expect((await http(`${a.url}/api/v1/users/me`, { bearer: accessToken })).body.email).toBe(newEmail);
    expect((await login(a, user.email)).status).toBe(401);
    expect((await login(b, newEmail)).status).toBe(200);
  });

  it('refuses on B, at once, the tokens of a session ended on A', async () => {
    const user = await register(a, 'cluster-sessions');
    const laptop = await signIn(a, user.email);
    const phone = await signIn(b, user.email);
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
    expect(await refresh(b, laptop.refreshToken)).toBe(401);
    expect(await me(b, phone.accessToken)).toBe(200);
  });

  it('refuses the access token on node B at once when the account is deleted through node A, and frees its email', async () => {
    const user = await register(a, 'cluster-delete');
    const { accessToken, refreshToken } = await signIn(b, user.email);
    // Warm both nodes' cached auth state and profile: the deletion must overwrite a cached "alive".
    expect(await Promise.all([me(a, accessToken), me(b, accessToken)])).toEqual([200, 200]);

    const deleted = await http(`${a.url}/api/v1/users/me`, {
      method: 'DELETE',
      bearer: accessToken,
      body: { currentPassword: PASSWORD },
    });
    expect(deleted.status).toBe(204);

    expect(await me(b, accessToken)).toBe(401);
    expect(await refresh(b, refreshToken)).toBe(401);
    const again = await http(`${b.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email: user.email, password: PASSWORD, name: 'Back' },
    });
    expect(again.status).toBe(201);
  });
});
