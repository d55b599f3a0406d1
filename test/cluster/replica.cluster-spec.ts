import { randomUUID } from 'node:crypto';
import { ADMIN, authEnv } from '@test/factories/auth.factory';
import { AppProcess, startApp } from '@tools/app-process';
import { waitFor } from '@tools/wait-for';
import { metricSample } from '@test/support/metrics-text';
import { PgReplicaPair, PgServer, startPgReplicaPair } from '@test/support/pg-replica';

/** Every statement the app sent to `server` since `from` (its log, filtered by application_name). */
const appStatements = (server: PgServer, from: number) =>
  server
    .log()
    .slice(from)
    .split('\n')
    .filter((line) => line.startsWith('[nest-enterprise-backend]') && /(statement|execute [^:]*):/.test(line));

describe('read replicas: PostgreSQL primary + streaming standby', () => {
  let pair: PgReplicaPair | undefined;
  let app: AppProcess | undefined;
  let primary: PgServer;
  let replica: PgServer;
  const email = `replica-${randomUUID()}@example.com`;
  const password = 'correct-horse-battery';

  const api = async (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = await fetch(`${app!.url}${path}`, {
      ...init,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const scrape = async () => (await fetch(`${app!.url}/metrics`)).text();
  const replicaSelects = (text: string) =>
    metricSample(text, 'db_query_duration_seconds_count', { operation: 'select', pool: 'replica' });
  const replicaHas = async (address: string) =>
    (await replica.query('app', 'SELECT 1 FROM users WHERE email = $1', [address])).length > 0;

  beforeAll(async () => {
    pair = await startPgReplicaPair(['app']);
    ({ primary, replica } = pair);
    app = await startApp({
      env: {
        ...authEnv(),
        DATABASE_URL: primary.url('app'),
        DATABASE_READ_URLS: replica.url('app'),
        LOG_LEVEL: 'warn',
      },
    });
    await app.waitUntilReady(60_000);
    // The schema and the first admin were written on the primary at boot; wait until the standby has them.
    await waitFor(() => replicaHas(ADMIN.email), { what: 'the admin on the replica' });
    // From here the standby lags as far behind as a test needs: it receives WAL but applies none.
    await replica.query('postgres', 'SELECT pg_wal_replay_pause()');
    await waitFor(
      async () => (await replica.query('postgres', 'SELECT pg_get_wal_replay_pause_state() AS s'))[0].s === 'paused',
      { timeoutMs: 10_000, what: 'replay to pause' },
    );
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await pair?.destroy();
  });

  it('sends writes, and the reads that must see them, to the primary while the replica lags', async () => {
    const [primaryFrom, replicaFrom] = [primary.log().length, replica.log().length];

    expect((await api('/api/v1/auth/register', { method: 'POST', json: { email, password, name: 'R' } })).status).toBe(
      201,
    );
    const login = await api('/api/v1/auth/login', { method: 'POST', json: { email, password } });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    expect((await api('/api/v1/users/me', { token })).body).toMatchObject({ email, name: 'R' });

    expect((await api('/api/v1/users/me', { method: 'PATCH', token, json: { name: 'Renamed' } })).status).toBe(200);
    expect((await api('/api/v1/users/me', { token })).body).toMatchObject({ name: 'Renamed' });

    const refreshed = await api('/api/v1/auth/refresh', {
      method: 'POST',
      json: { refreshToken: login.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const next = refreshed.body as { accessToken: string; refreshToken: string };
    expect(
      (
        await api('/api/v1/auth/logout', {
          method: 'POST',
          token: next.accessToken,
          json: { refreshToken: next.refreshToken },
        })
      ).status,
    ).toBe(204);
    expect((await api('/api/v1/users/me', { token: next.accessToken })).status).toBe(401);
    expect(
      (await api('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: next.refreshToken } })).status,
    ).toBe(401);

    // The replica never saw the account, so nothing above can have been read there.
    expect(await replicaHas(email)).toBe(false);
    expect(appStatements(replica, replicaFrom)).toEqual([]);
    const onPrimary = appStatements(primary, primaryFrom).join('\n');
    expect(onPrimary).toMatch(/INSERT INTO "users"/);
    expect(onPrimary).toMatch(/"user"\."password_hash"/);
    expect(onPrimary).toMatch(/UPDATE "refresh_tokens"/);
  });

  it('serves the admin user list from the replica: stale while it lags, current once it catches up', async () => {
    const admin = await api('/api/v1/auth/login', { method: 'POST', json: ADMIN });
    expect(admin.status).toBe(200);
    const list = () => api(`/api/v1/users?search=${encodeURIComponent(email)}`, { token: admin.body.accessToken });
    const [primaryFrom, replicaFrom] = [primary.log().length, replica.log().length];
    const before = await scrape();

    const stale = await list();
    expect(stale.status).toBe(200);
    expect(stale.body.meta.total).toBe(0);

    // One page query on the replica (a first page that is not full needs no COUNT); the primary saw none.
    expect(replicaSelects(await scrape()) - replicaSelects(before)).toBe(1);
    const onReplica = await waitFor(
      async () => {
        const lines = appStatements(replica, replicaFrom);
        return lines.length === 1 ? lines[0] : undefined;
      },
      { timeoutMs: 5_000, what: 'the list statement in the replica log' },
    );
    expect(onReplica).toMatch(/FROM "users" "user" WHERE .* ORDER BY .* LIMIT 20/);
    // The caller's token was checked against the primary: session state is a security decision.
    const onPrimary = appStatements(primary, primaryFrom).join('\n');
    expect(onPrimary).toMatch(/FROM "sessions" "Session" WHERE/);
    expect(onPrimary).not.toMatch(/FROM "users" "user"/);

    await replica.query('postgres', 'SELECT pg_wal_replay_resume()');
    const caughtUp = await waitFor(
      async () => {
        const res = await list();
        return res.body.meta.total === 1 ? res.body : undefined;
      },
      { what: 'the replica to catch up' },
    );
    expect(caughtUp.data[0]).toMatchObject({ email, name: 'Renamed' });
  });
});
