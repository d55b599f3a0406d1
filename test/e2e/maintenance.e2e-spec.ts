import { Queue } from 'bullmq';
import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource, LessThan, Like } from 'typeorm';
import { MailDelivery } from '@/infra/mail/entities/mail-delivery.entity';
import { JobRecord } from '@/infra/jobs/job.entity';
import { MaintenanceJob } from '@/modules/users/maintenance/maintenance.job';
import { RefreshToken } from '@/modules/users/sessions/entities/refresh-token.entity';
import { Session } from '@/modules/users/sessions/entities/session.entity';
import { waitFor } from '@tools/wait-for';
import { authEnv, login, REFRESH_SECRET, registerAndLogin, SignedIn } from '@test/factories/auth.factory';
import { provisionDatabase, rebootableDatabase, TestDatabase } from '@test/support/database';
import { metricSample } from '@test/support/metrics-text';
import { createTestApp, TestApp } from '@test/support/test-app';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ago = (ms: number) => new Date(Date.now() - ms);
const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()).sid as string;
const hashOf = (token: string) => createHmac('sha256', REFRESH_SECRET).update(token).digest('hex');
/** BullMQ on Redis under `test:integration` (REDIS_URL set), the database queue otherwise. */
const onRedis = () => process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

/** Resolves once the run the schedule makes at boot is over, so a test's own run is the only one. */
async function bootRunDone(t: TestApp): Promise<void> {
  await waitFor(
    async () => {
      const text = (await request(t.server).get('/metrics').expect(200)).text;
      return metricSample(text, 'app_jobs_completed_total', { queue: 'maintenance' }) >= 1;
    },
    { what: 'the first scheduled clean-up' },
  );
}

describe('Periodic clean-up (maintenance/purge)', () => {
  let t: TestApp;
  let user: SignedIn;
  const sessions = () => t.app.get(DataSource).getRepository(Session);
  const tokens = () => t.app.get(DataSource).getRepository(RefreshToken);
  const refresh = (refreshToken: string) => request(t.server).post('/api/v1/auth/refresh').send({ refreshToken });
  const tokenRow = (token: string) => tokens().findOneBy({ tokenHash: hashOf(token) });
  const sessionRow = (id: string) => sessions().findOneBy({ id });

  /** A fresh login of `user`: its session id and first refresh token. */
  const newLogin = async () => {
    const pair = await login(t.server, user.email, user.password);
    return { sid: sidOf(pair.accessToken), accessToken: pair.accessToken, refreshToken: pair.refreshToken };
  };
  /** A login refreshed once: its first token is spent, the second is live. */
  const refreshedLogin = async () => {
    const first = await newLogin();
    const next = (await refresh(first.refreshToken).expect(200)).body as { refreshToken: string };
    return { ...first, spent: first.refreshToken, live: next.refreshToken };
  };
  const logout = async (l: { accessToken: string; refreshToken: string }) =>
    request(t.server)
      .post('/api/v1/auth/logout')
      .set('Authorization', `Bearer ${l.accessToken}`)
      .send({ refreshToken: l.refreshToken })
      .expect(204);

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv({ JOBS_POLL_INTERVAL: '20ms' }) });
    user = await registerAndLogin(t.server);
    await bootRunDone(t);
  });
  afterAll(() => t.close());

  it('deletes exactly the spent, expired and revoked rows past their retention, and keeps the rest', async () => {
    const live = await refreshedLogin();
    const reused = await refreshedLogin();
    // A live session whose spent token expired more than REFRESH_TOKENS_RETENTION (1h) ago.
    const expiredToken = await refreshedLogin();
    await tokens().update({ tokenHash: hashOf(expiredToken.spent) }, { expiresAt: ago(2 * HOUR_MS) });
    // Revoked (logout) 8 days ago: past SESSIONS_RETENTION (7d); and 2 hours ago: within it.
    const revokedOld = await newLogin();
    await logout(revokedOld);
    await sessions().update({ id: revokedOld.sid }, { revokedAt: ago(8 * DAY_MS) });
    const revokedRecent = await newLogin();
    await logout(revokedRecent);
    await sessions().update({ id: revokedRecent.sid }, { revokedAt: ago(2 * HOUR_MS) });
    const revokedJustNow = await newLogin();
    await logout(revokedJustNow);
    // Expired (unused for the refresh lifetime) 8 days ago, and 1 day ago.
    const expiredOld = await newLogin();
    await sessions().update({ id: expiredOld.sid }, { expiresAt: ago(8 * DAY_MS) });
    await tokens().update({ sessionId: expiredOld.sid }, { expiresAt: ago(8 * DAY_MS) });
    const expiredRecent = await newLogin();
    await sessions().update({ id: expiredRecent.sid }, { expiresAt: ago(DAY_MS) });
    await tokens().update({ sessionId: expiredRecent.sid }, { expiresAt: ago(DAY_MS) });
    // Past JWT_SESSION_MAX_AGE (30d) by more than the retention, and by less.
    const endedOld = await newLogin();
    await sessions().update({ id: endedOld.sid }, { createdAt: ago(38 * DAY_MS) });
    const endedRecent = await newLogin();
    await sessions().update({ id: endedRecent.sid }, { createdAt: ago(31 * DAY_MS) });
    // Records of mails sent 8 days ago (past MAIL_DELIVERIES_RETENTION, 7d) and 1 day ago.
    const deliveries = t.app.get(DataSource).getRepository(MailDelivery);
    const delivery = (key: string, sentAt: Date) => ({ idempotencyKey: key, recipientHash: '0'.repeat(64), sentAt });
    await deliveries.insert([
      delivery(`old-${randomUUID()}`, ago(8 * DAY_MS)),
      delivery(`recent-${randomUUID()}`, ago(DAY_MS)),
    ]);

    const counts = await t.app.get(MaintenanceJob).purge();

    // Sessions: the old revoked, expired and ended ones are gone, with every token they had.
    for (const gone of [revokedOld, expiredOld, endedOld]) {
      expect(await sessionRow(gone.sid)).toBeNull();
      expect(await tokens().countBy({ sessionId: gone.sid })).toBe(0);
    }
    for (const kept of [live, reused, expiredToken, revokedRecent, revokedJustNow, expiredRecent, endedRecent]) {
      expect(await sessionRow(kept.sid)).not.toBeNull();
    }
    // Tokens: expired past the margin, or of a session revoked past the margin.
    expect(await tokenRow(expiredToken.spent)).toBeNull();
    expect(await tokenRow(revokedRecent.refreshToken)).toBeNull();
    expect(await tokenRow(expiredRecent.refreshToken)).toBeNull();
    expect(await tokenRow(revokedJustNow.refreshToken)).not.toBeNull();
    expect(await tokenRow(endedRecent.refreshToken)).not.toBeNull();
    for (const kept of [live, reused]) {
      expect(await tokenRow(kept.spent)).toMatchObject({ usedAt: expect.any(Date) });
      expect(await tokenRow(kept.live)).toMatchObject({ usedAt: null });
    }
    expect(counts).toEqual({ refresh_tokens: 5, sessions: 3, account_tokens: 0, mail_deliveries: 1 });
    expect(await deliveries.countBy({ sentAt: LessThan(ago(7 * DAY_MS)) })).toBe(0);
    expect(await deliveries.countBy({ idempotencyKey: Like('recent-%') })).toBe(1);

    // What is kept still works: the live sessions refresh...
    await refresh(live.live).expect(200);
    await refresh(expiredToken.live).expect(200);
    // ...and a spent token of a live session still gives its family away.
    await refresh(reused.spent).expect(401);
    expect(await sessionRow(reused.sid)).toMatchObject({ revokeReason: 'refresh_reuse' });
    await refresh(reused.live).expect(401);

    // A second run finds nothing more.
    expect(await t.app.get(MaintenanceJob).purge()).toEqual({
      refresh_tokens: 0,
      sessions: 0,
      account_tokens: 0,
      mail_deliveries: 0,
    });
  });
});

describe('Periodic clean-up in batches', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: authEnv({ JOBS_POLL_INTERVAL: '20ms', MAINTENANCE_BATCH_SIZE: '3', MAINTENANCE_MAX_BATCHES: '3' }),
    });
    await bootRunDone(t);
  });
  afterAll(() => t.close());

  it('deletes 3 rows per statement and at most 3 statements per run; the next run takes the rest', async () => {
    const user = await registerAndLogin(t.server);
    const repo = t.app.get(DataSource).getRepository(Session);
    const revoked = Array.from({ length: 10 }, () =>
      repo.create({
        id: randomUUID(),
        userId: user.id,
        createdAt: ago(9 * DAY_MS),
        expiresAt: ago(DAY_MS),
        revokedAt: ago(8 * DAY_MS),
        revokeReason: 'logout',
        lastUsedAt: ago(8 * DAY_MS),
      }),
    );
    await repo.insert(revoked);

    expect(await t.app.get(MaintenanceJob).purge()).toMatchObject({ sessions: 9 });
    expect(await t.app.get(MaintenanceJob).purge()).toMatchObject({ sessions: 1 });
    expect(await repo.countBy({ userId: user.id })).toBe(1);
    await request(t.server).get('/api/v1/users/me').set('Authorization', user.bearer).expect(200);
  });
});

describe('The clean-up schedule', () => {
  let database: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    database = onRedis() ? await provisionDatabase() : await rebootableDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.drop();
  });

  it('is registered once when two workers boot on the same store', async () => {
    const shared = { REDIS_KEY_PREFIX: `test:maintenance:${Date.now()}:` };
    apps.push(await createTestApp({ database, env: { ...shared, APP_ROLE: 'worker' } }));
    apps.push(await createTestApp({ database, env: { ...shared, APP_ROLE: 'all' } }));

    if (!onRedis()) {
      const rows = await apps[0].app.get(DataSource).getRepository(JobRecord).findBy({ queue: 'maintenance' });
      expect(rows.map((row) => [row.id, row.repeatEveryMs])).toEqual([['schedule:maintenance:purge', HOUR_MS]]);
      return;
    }
    const queue = new Queue('maintenance', {
      connection: { url: process.env.REDIS_URL },
      prefix: `{${shared.REDIS_KEY_PREFIX}jobs}`,
    });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every])).toEqual([['purge', HOUR_MS]]);
    } finally {
      await queue.close();
    }
  });
});
