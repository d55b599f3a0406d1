import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppProcess, startApp } from '@tools/app-process';
import { Cluster, startCluster } from '@tools/cluster';
import { waitFor } from '@tools/wait-for';
import { http, HttpResult } from '@test/support/http';
import { seededRandom } from '@test/support/openapi-fuzz';
import { linkMailed, startSmtpServer, TestSmtpServer } from '@test/support/smtp-server';

/**
 * Two real instances on one PostgreSQL database and one Redis take mixed account writes
 * from many clients (register, login, refresh, password change and reset, logout, ending a
 * session, account deletion), while one instance at a time is SIGKILLed at a random moment
 * and started again. A write cut by the kill may have happened or not, but never in part:
 * once the load is over, SQL against the database finds no half-written state. Kill moments
 * come from CRASH_SEED (printed on failure).
 */

const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const KILLS = 4;
const CLIENTS = 10;
/** A restarted instance is ready, and answers a login, within this. Generous for 2 loaded cores. */
const RESTART_BOUND_MS = 25_000;
const APP_URL = 'https://app.crash.test';
const TIMEOUT_MS = 15_000;

interface Pair {
  accessToken: string;
  refreshToken: string;
  sid: string;
}

/** A password change the test asked for: if the hash changed, every other session had to die with it. */
interface PasswordChange {
  userId: string;
  hashBefore: string;
  keptSid: string;
  otherSids: string[];
}

const sidOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as { sid: string }).sid;

describe('SIGKILL under mixed account writes', () => {
  const random = seededRandom(SEED);
  let smtp: TestSmtpServer;
  let cluster: Cluster;
  let db: Client;
  const passwordChanges: PasswordChange[] = [];
  const counts: Record<string, number> = {};
  const restarts: number[] = [];
  /** Per node: requests sent so far and requests still waiting for an answer. */
  const sent = [0, 0];
  const inFlight = [0, 0];
  const up = [true, true];
  let running = true;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cluster = await startCluster({
      size: 2,
      env: {
        SMTP_URL: smtp.url,
        APP_PUBLIC_URL: APP_URL,
        THROTTLE_LIMIT: '100000',
        THROTTLE_REGISTER_LIMIT: '100000',
        LOGIN_MAX_FAILURES_PER_CLIENT: '100000',
        ACCOUNT_ACTION_LIMIT_PER_CLIENT: '100000',
        PASSWORD_HASH_QUEUE_MAX: '1000',
        LOG_LEVEL: 'warn',
      },
    });
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    running = false;
    await db?.end();
    await cluster?.stop();
    await smtp?.stop();
  });

  const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);

  /** One request to a live node; `unknown` status 0 when no answer came (the node died under it). */
  const call = async (path: string, options: Parameters<typeof http>[1] = {}): Promise<HttpResult> => {
    const live = [0, 1].filter((i) => up[i]);
    const i = live[Math.floor(random() * live.length)] ?? 0;
    sent[i] += 1;
    inFlight[i] += 1;
    try {
      return await Promise.race([
        http(`${cluster.nodes[i].url}${path}`, options),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS).unref()),
      ]);
    } catch {
      return { status: 0, headers: {}, body: undefined };
    } finally {
      inFlight[i] -= 1;
    }
  };

  const login = async (email: string, password: string): Promise<Pair | undefined> => {
    const res = await call('/api/v1/auth/login', { method: 'POST', body: { email, password } });
    count(`login ${res.status}`);
    if (res.status !== 200) return undefined;
    return { ...(res.body as Pair), sid: sidOf(res.body.accessToken as string) };
  };
  const refresh = async (pair: Pair): Promise<Pair | undefined> => {
    const res = await call('/api/v1/auth/refresh', { method: 'POST', body: { refreshToken: pair.refreshToken } });
    count(`refresh ${res.status}`);
    return res.status === 200 ? { ...(res.body as Pair), sid: pair.sid } : undefined;
  };
  const mailTo = (email: string, page: string, timeoutMs: number) =>
    linkMailed(smtp, { to: email, appUrl: APP_URL, page, timeoutMs }).catch(() => undefined);
  const hashOf = async (userId: string): Promise<string | undefined> =>
    (await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [userId])).rows[0]
      ?.password_hash;

  /** One account's life: sign up, two sessions, a few rotations, then one ending write. */
  const lifecycle = async () => {
    const email = `crash-${randomUUID()}@example.com`;
    const password = `pw-${randomUUID()}`;
    const registered = await call('/api/v1/auth/register', {
      method: 'POST',
      body: { email, password, name: 'Crash' },
    });
    count(`register ${registered.status}`);
    if (registered.status !== 201) return;
    const userId = registered.body.id as string;

    let a = await login(email, password);
    const b = await login(email, password);
    if (!a || !b) return;
    for (let n = 1 + Math.floor(random() * 4); n > 0 && a; n -= 1) a = await refresh(a);
    if (!a) a = await login(email, password);
    if (!a) return;

    const ending = Math.floor(random() * 5);
    if (ending === 0) {
      const hashBefore = await hashOf(userId);
      const next = `pw-${randomUUID()}`;
      if (hashBefore) passwordChanges.push({ userId, hashBefore, keptSid: a.sid, otherSids: [b.sid] });
      const res = await call('/api/v1/users/me', {
        method: 'PATCH',
        bearer: a.accessToken,
        body: { password: next, currentPassword: password },
      });
      count(`password-change ${res.status}`);
    } else if (ending === 1) {
      const forgot = await call('/api/v1/auth/password/forgot', { method: 'POST', body: { email } });
      count(`forgot ${forgot.status}`);
      const token = await mailTo(email, 'reset-password', 20_000);
      if (!token) return;
      const res = await call('/api/v1/auth/password/reset', {
        method: 'POST',
        body: { token, password: `pw-${randomUUID()}` },
      });
      count(`reset ${res.status}`);
    } else if (ending === 2) {
      const res = await call('/api/v1/auth/logout', {
        method: 'POST',
        bearer: b.accessToken,
        body: { refreshToken: b.refreshToken },
      });
      count(`logout ${res.status}`);
    } else if (ending === 3) {
      const res = await call(`/api/v1/auth/sessions/${b.sid}`, { method: 'DELETE', bearer: a.accessToken });
      count(`end-session ${res.status}`);
    } else {
      // The welcome job records its delivery after the send; deleting once it has keeps that job out of the race.
      const recorded = await waitFor(
        async () =>
          (await db.query('SELECT 1 FROM mail_deliveries WHERE idempotency_key = $1', [`welcome-${userId}`])).rowCount,
        { timeoutMs: 20_000, what: `the welcome delivery of ${userId}` },
      ).catch(() => undefined);
      if (!recorded) return;
      const res = await call('/api/v1/users/me', {
        method: 'DELETE',
        bearer: a.accessToken,
        body: { currentPassword: password },
      });
      count(`delete ${res.status}`);
    }
  };

  const client = async () => {
    while (running) await lifecycle();
  };

  /** Kills node `i` once it has taken `after` more requests and has some in flight, then starts it again. */
  const killAndRestart = async (i: number, after: number) => {
    const target = sent[i] + after;
    await waitFor(() => sent[i] >= target && inFlight[i] > 0, {
      timeoutMs: 60_000,
      intervalMs: 5,
      what: `node ${i} to take ${after} requests`,
    });
    up[i] = false;
    await cluster.nodes[i].stop('SIGKILL');
    const started = Date.now();
    const node: AppProcess = await startApp({ env: cluster.env, port: cluster.nodes[i].port });
    cluster.nodes[i] = node;
    await node.waitUntilReady(RESTART_BOUND_MS);
    up[i] = true;
    restarts.push(Date.now() - started);
  };

  const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;

  it('restarts serving at once and leaves no half-written state', async () => {
    const clients = Array.from({ length: CLIENTS }, () => client());
    const plan: Array<[number, number]> = Array.from({ length: KILLS }, () => [
      Math.floor(random() * 2),
      20 + Math.floor(random() * 80),
    ]);
    try {
      for (const [node, after] of plan) await killAndRestart(node, after);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    const context = `CRASH_SEED=${SEED} plan=${JSON.stringify(plan)} restarts=${JSON.stringify(restarts)} ${JSON.stringify(counts)}`;

    // A restarted node answers real work, not just its readiness probe.
    for (const node of cluster.nodes) {
      const email = `crash-after-${randomUUID()}@example.com`;
      const started = Date.now();
      const reg = await http(`${node.url}/api/v1/auth/register`, {
        method: 'POST',
        body: { email, password: 'a-good-password', name: 'After' },
      });
      const signed = await http(`${node.url}/api/v1/auth/login`, {
        method: 'POST',
        body: { email, password: 'a-good-password' },
      });
      expect({ register: reg.status, login: signed.status, context }).toEqual({ register: 201, login: 200, context });
      expect(Date.now() - started).toBeLessThan(RESTART_BOUND_MS);
    }
    expect(restarts.every((ms) => ms < RESTART_BOUND_MS)).toBe(true);
    // The load did reach every kind of write.
    for (const kind of ['register 201', 'login 200', 'refresh 200'])
      expect({ kind, n: counts[kind] ?? 0 }).not.toEqual({ kind, n: 0 });

    const violations = {
      usersWithoutPassword: await rows(
        "SELECT id FROM users WHERE password_hash IS NULL OR password_hash NOT LIKE '$argon2id$%'",
      ),
      // Nobody deactivates anyone here: an inactive account is a deletion that stopped half-way.
      inactiveUsers: await rows('SELECT id FROM users WHERE NOT is_active'),
      sessionsWithoutToken: await rows(
        'SELECT s.id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id)',
      ),
      // Rotation spends one token and issues its successor: a live session has exactly one unspent token.
      liveSessionsWithoutOneUnspentToken: await rows(
        `SELECT s.id, count(t.id) AS unspent FROM sessions s
           LEFT JOIN refresh_tokens t ON t.session_id = s.id AND t.used_at IS NULL
          WHERE s.revoked_at IS NULL GROUP BY s.id HAVING count(t.id) <> 1`,
      ),
      // A reset moves sessions_valid_after and revokes what it ends.
      liveSessionsOlderThanReset: await rows(
        `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.revoked_at IS NULL AND s.created_at < u.sessions_valid_after`,
      ),
      // A spent reset link either set the password (moving sessions_valid_after) or was superseded by a newer link.
      resetLinksSpentForNothing: await rows(
        `SELECT r.id FROM account_tokens r JOIN users u ON u.id = r.user_id
          WHERE r.purpose = 'reset_password' AND r.used_at IS NOT NULL AND u.sessions_valid_after < r.used_at
            AND NOT EXISTS (SELECT 1 FROM account_tokens n WHERE n.user_id = r.user_id
                              AND n.purpose = r.purpose AND n.created_at >= r.used_at)`,
      ),
      orphanSessions: await rows('SELECT id FROM sessions WHERE user_id NOT IN (SELECT id FROM users)'),
      orphanRefreshTokens: await rows(
        'SELECT id FROM refresh_tokens WHERE session_id NOT IN (SELECT id FROM sessions)',
      ),
      orphanAccountTokens: await rows('SELECT id FROM account_tokens WHERE user_id NOT IN (SELECT id FROM users)'),
      orphanWelcomeDeliveries: await rows(
        `SELECT idempotency_key FROM mail_deliveries d WHERE d.idempotency_key LIKE 'welcome-%'
            AND NOT EXISTS (SELECT 1 FROM users u WHERE 'welcome-' || u.id::text = d.idempotency_key)`,
      ),
      passwordChangedOtherSessionsLive: [] as unknown[],
    };
    for (const change of passwordChanges) {
      const hash = await hashOf(change.userId);
      if (hash === undefined || hash === change.hashBefore) continue;
      const live = await rows('SELECT id FROM sessions WHERE id = ANY($1) AND revoked_at IS NULL', [change.otherSids]);
      if (live.length > 0) violations.passwordChangedOtherSessionsLive.push({ ...change, live });
    }
    const found = Object.fromEntries(Object.entries(violations).filter(([, list]) => list.length > 0));
    expect({ found, context }).toEqual({ found: {}, context });
  });
});
