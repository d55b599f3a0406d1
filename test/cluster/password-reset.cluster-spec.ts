import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { waitFor } from '@tools/wait-for';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';
import { startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';

const APP_URL = 'https://app.example.test';

/**
 * Two real instances on one PostgreSQL database and one Redis, mailing through a loopback
 * SMTP server: a reset link asked for on one node and spent on the other ends the
 * account's sessions on both at once.
 */
describe('password reset across two instances', () => {
  let smtp: TestSmtpServer;
  let cluster: Cluster;
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cluster = await startCluster({
      size: 2,
      env: {
        SMTP_URL: smtp.url,
        APP_PUBLIC_URL: APP_URL,
        THROTTLE_LIMIT: '100000',
        THROTTLE_REGISTER_LIMIT: '100000',
      },
    });
    [a, b] = cluster.nodes as [AppProcess, AppProcess];
  });
  afterAll(async () => {
    await cluster?.stop();
    await smtp?.stop();
  });

  const login = (node: AppProcess, email: string, password: string) =>
    http(`${node.url}/api/v1/auth/login`, { method: 'POST', body: { email, password } });
  const me = (node: AppProcess, accessToken: string) =>
    http(`${node.url}/api/v1/users/me`, { bearer: accessToken }).then((r) => r.status);
  const refresh = (node: AppProcess, refreshToken: string) =>
    http(`${node.url}/api/v1/auth/refresh`, { method: 'POST', body: { refreshToken } }).then((r) => r.status);

  it('refuses the old tokens on both nodes at once when a link asked for on A is spent on B', async () => {
    const email = uniqueEmail('reset');
    const password = 'a-good-password';
    const registered = await http(`${a.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Reset User' },
    });
    expect(registered.status).toBe(201);
    const sessions = [(await login(a, email, password)).body, (await login(b, email, password)).body] as Array<{
      accessToken: string;
      refreshToken: string;
    }>;
    // Both nodes have seen both sessions alive: the reset must overwrite what they cached.
    const everywhere = () => sessions.flatMap((s) => [me(a, s.accessToken), me(b, s.accessToken)]);
    expect(await Promise.all(everywhere())).toEqual([200, 200, 200, 200]);

    expect((await http(`${a.url}/api/v1/auth/password/forgot`, { method: 'POST', body: { email } })).status).toBe(202);
    const token = await waitFor(
      () =>
        smtp.messages
          .filter((m) => m.to.includes(email))
          .map((m) => tokenIn(m, APP_URL, 'reset-password'))
          .find((found) => found !== undefined),
      { what: `the reset mail to ${email}` },
    );
    const newPassword = 'a-brand-new-password';
    const reset = await http(`${b.url}/api/v1/auth/password/reset`, {
      method: 'POST',
      body: { token, password: newPassword },
    });
    expect(reset.status).toBe(204);

    expect(await Promise.all(everywhere())).toEqual([401, 401, 401, 401]);
    const refreshes = sessions.flatMap((s) => [refresh(a, s.refreshToken), refresh(b, s.refreshToken)]);
    expect(await Promise.all(refreshes)).toEqual([401, 401, 401, 401]);
    expect((await login(a, email, password)).status).toBe(401);
    const fresh = await login(a, email, newPassword);
    expect(fresh.status).toBe(200);
    expect(await me(b, fresh.body.accessToken)).toBe(200);
  });
});
