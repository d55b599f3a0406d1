import type { AppProcess } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { waitFor } from '@tools/wait-for';
import { uniqueEmail } from '@test/factories/auth.factory';
import { http } from '@test/support/http';
import { startSmtpServer, TestSmtpServer, tokenIn } from '@test/support/smtp-server';

const APP_URL = 'https://app.cluster.test';

/**
 * Two real instances on one PostgreSQL database and one Redis, mailing through a loopback
 * SMTP server: a link followed on one node changes what the other serves on its very next
 * request, though that node had the profile cached.
 */
describe('email verification across two instances', () => {
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

  it('verifies on node B, and node A shows emailVerified at once', async () => {
    const email = uniqueEmail('cluster-verify');
    const password = 'a-good-password';
    const registered = await http(`${a.url}/api/v1/auth/register`, {
      method: 'POST',
      body: { email, password, name: 'Ada' },
    });
    expect(registered.status).toBe(201);
    const signedIn = await http(`${a.url}/api/v1/auth/login`, { method: 'POST', body: { email, password } });
    const bearer = signedIn.body.accessToken as string;
    // Node A now holds the unverified profile in the shared cache.
    expect((await http(`${a.url}/api/v1/users/me`, { bearer })).body.emailVerified).toBe(false);

    const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes(email)), { what: 'the welcome mail' });
    const token = tokenIn(mail, APP_URL, 'verify-email');
    const verified = await http(`${b.url}/api/v1/auth/email/verify`, { method: 'POST', body: { token } });
    expect(verified.status).toBe(204);

    const me = await http(`${a.url}/api/v1/users/me`, { bearer });
    expect(me.body).toMatchObject({ id: registered.body.id, emailVerified: true });
    const again = await http(`${a.url}/api/v1/auth/email/verify`, { method: 'POST', body: { token } });
    expect(again.status).toBe(400);
  });
});
