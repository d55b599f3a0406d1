import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource, EntitySubscriberInterface, Repository } from 'typeorm';
import { Session } from '@/modules/users/sessions/entities/session.entity';
import { LAST_USED_RESOLUTION_MS, LastUsedRecorder } from '@/modules/users/sessions/last-used-recorder';
import { authEnv, TokenPair, uniqueEmail } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';
import { waitFor } from '@tools/wait-for';

const PROBLEM_JSON = /^application\/problem\+json/;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const LAPTOP = { agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', ip: '198.51.100.7' };
const PHONE = { agent: 'ExampleApp/2.3 (iPhone; iOS 19.1)', ip: '2001:db8::42' };

interface Client {
  agent: string;
  ip: string;
}

interface Login extends TokenPair {
  /** The session id (`sid` claim) of this login. */
  sid: string;
  bearer: string;
}

const sidOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as { sid: string }).sid;

/** Counts the UPDATE statements on `sessions` that set `last_used_at`, on every driver. */
function countLastUsedWrites(dataSource: DataSource): { readonly count: number; stop(): void } {
  let count = 0;
  const subscriber: EntitySubscriberInterface = {
    afterQuery(event) {
      if (/^\s*UPDATE\s+["`]?sessions["`]?\s/i.test(event.query) && /last_used_at/.test(event.query)) count += 1;
    },
  };
  dataSource.subscribers.push(subscriber);
  return {
    get count() {
      return count;
    },
    stop: () => dataSource.subscribers.splice(dataSource.subscribers.indexOf(subscriber), 1),
  };
}

function harness(flushInterval: string) {
  const ctx = {} as { t: TestApp; sessions: Repository<Session> };

  beforeAll(async () => {
    ctx.t = await createTestApp({
      env: authEnv({ TRUST_PROXY: 'true', SESSIONS_LAST_USED_FLUSH_INTERVAL: flushInterval }),
    });
    ctx.sessions = ctx.t.app.get(DataSource).getRepository(Session);
  });
  afterAll(() => ctx.t.close());

  const signUp = async () => {
    const email = uniqueEmail('sessions');
    const password = 'a-good-password';
    await request(ctx.t.server)
      .post('/api/v1/auth/register')
      .send({ email, password, name: 'Many Devices' })
      .expect(201);
    return { email, password };
  };

  const login = async (account: { email: string; password: string }, from: Client = LAPTOP): Promise<Login> => {
    const res = await request(ctx.t.server)
      .post('/api/v1/auth/login')
      .set('User-Agent', from.agent)
      .set('X-Forwarded-For', from.ip)
      .send(account)
      .expect(200);
    const tokens = res.body as TokenPair;
    return { ...tokens, sid: sidOf(tokens.accessToken), bearer: `Bearer ${tokens.accessToken}` };
  };

  const list = (who: Login) => request(ctx.t.server).get('/api/v1/auth/sessions').set('Authorization', who.bearer);
  const revoke = (who: Login, id: string) =>
    request(ctx.t.server).delete(`/api/v1/auth/sessions/${id}`).set('Authorization', who.bearer);
  const revokeOthers = (who: Login) =>
    request(ctx.t.server).delete('/api/v1/auth/sessions').set('Authorization', who.bearer);
  const me = (who: Login) =>
    request(ctx.t.server)
      .get('/api/v1/users/me')
      .set('Authorization', who.bearer)
      .then((res) => res.status);
  const refresh = (who: Login) =>
    request(ctx.t.server)
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: who.refreshToken })
      .then((res) => res.status);
  const lastUsedAt = async (who: Login) => (await ctx.sessions.findOneByOrFail({ id: who.sid })).lastUsedAt.getTime();

  return { ctx, signUp, login, list, revoke, revokeOthers, me, refresh, lastUsedAt };
}

describe('A user’s own sessions: GET and DELETE /api/v1/auth/sessions', () => {
  // No flush during these tests unless one asks for it: writes are counted exactly.
  const h = harness('1h');
  const { signUp, login, list, revoke, revokeOthers, me, refresh } = h;

  it('lists each live login with its User-Agent, client address and times, newest first, and marks the caller’s', async () => {
    const account = await signUp();
    const laptop = await login(account, LAPTOP);
    const phone = await login(account, PHONE);

    const res = await list(phone).expect(200);

    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual([
      {
        id: phone.sid,
        createdAt: expect.stringMatching(ISO_DATE),
        lastUsedAt: expect.stringMatching(ISO_DATE),
        userAgent: PHONE.agent,
        ip: PHONE.ip,
        current: true,
      },
      {
        id: laptop.sid,
        createdAt: expect.stringMatching(ISO_DATE),
        lastUsedAt: expect.stringMatching(ISO_DATE),
        userAgent: LAPTOP.agent,
        ip: LAPTOP.ip,
        current: false,
      },
    ]);
    const [newest, older] = res.body as Array<{ createdAt: string; lastUsedAt: string }>;
    expect(Date.parse(newest.createdAt)).toBeGreaterThanOrEqual(Date.parse(older.createdAt));
    expect(newest.lastUsedAt).toBe(newest.createdAt);
    // The laptop sees the same two, with its own marked.
    const fromLaptop = (await list(laptop).expect(200)).body as Array<{ id: string; current: boolean }>;
    expect(fromLaptop.map((s) => [s.id, s.current])).toEqual([
      [phone.sid, false],
      [laptop.sid, true],
    ]);
  });

  it('cuts a long User-Agent to 255 characters and stores a missing agent or a forwarded non-address as null', async () => {
    const account = await signUp();
    const long = await login(account, { agent: `Robot/${'x'.repeat(300)}`, ip: '203.0.113.9' });
    const odd = await login(account, { agent: '', ip: 'not-an-address' });

    const sessions = (await list(long).expect(200)).body as Array<{
      id: string;
      userAgent: string | null;
      ip: string | null;
    }>;
    const byId = new Map(sessions.map((s) => [s.id, s]));
    expect(byId.get(long.sid)).toMatchObject({ userAgent: `Robot/${'x'.repeat(249)}`, ip: '203.0.113.9' });
    expect(byId.get(odd.sid)).toMatchObject({ userAgent: null, ip: null });
  });

  it('ends another session: its access and refresh tokens are refused, and the list shrinks', async () => {
    const account = await signUp();
    const laptop = await login(account, LAPTOP);
    const phone = await login(account, PHONE);
    expect(await me(laptop)).toBe(200);

    await revoke(phone, laptop.sid).expect(204);

    expect(await me(laptop)).toBe(401);
    expect(await refresh(laptop)).toBe(401);
    expect(((await list(phone).expect(200)).body as Array<{ id: string }>).map((s) => s.id)).toEqual([phone.sid]);
    expect(await me(phone)).toBe(200);
    // Ended now, so it is no longer one of the caller's live sessions.
    await revoke(phone, laptop.sid).expect(404);
  });

  it('ends the current session like a logout', async () => {
    const account = await signUp();
    const laptop = await login(account, LAPTOP);

    await revoke(laptop, laptop.sid).expect(204);

    expect(await me(laptop)).toBe(401);
    expect(await refresh(laptop)).toBe(401);
  });

  it('answers someone else’s session id exactly like an unknown one (404), and leaves that session working', async () => {
    const mallory = await login(await signUp(), LAPTOP);
    const victim = await login(await signUp(), PHONE);

    const foreign = await revoke(mallory, victim.sid).expect(404);
    const unknown = await revoke(mallory, randomUUID()).expect(404);

    expect(foreign.headers['content-type']).toMatch(PROBLEM_JSON);
    const { instance: _a, requestId: _b, ...foreignBody } = foreign.body as Record<string, unknown>;
    const { instance: _c, requestId: _d, ...unknownBody } = unknown.body as Record<string, unknown>;
    expect(foreignBody).toEqual(unknownBody);
    expect(foreignBody).toMatchObject({ status: 404, type: '/problems/not_found' });
    expect(await me(victim)).toBe(200);
    expect(await refresh(victim)).toBe(200);
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const laptop = await login(await signUp(), LAPTOP);

    const res = await revoke(laptop, 'not-a-uuid').expect(400);

    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
  });

  it('ends every other session with DELETE /auth/sessions and keeps only the current one', async () => {
    const account = await signUp();
    const laptop = await login(account, LAPTOP);
    const phone = await login(account, PHONE);
    const tablet = await login(account, { agent: 'Tablet/1.0', ip: '192.0.2.33' });
    const stranger = await login(await signUp(), LAPTOP);

    await revokeOthers(phone).expect(204);

    expect(((await list(phone).expect(200)).body as Array<{ id: string }>).map((s) => s.id)).toEqual([phone.sid]);
    for (const gone of [laptop, tablet]) {
      expect(await me(gone)).toBe(401);
      expect(await refresh(gone)).toBe(401);
    }
    expect(await me(phone)).toBe(200);
    expect(await me(stranger)).toBe(200);
    // Nothing left to end: still 204.
    await revokeOthers(phone).expect(204);
  });

  it('refuses all three without an access token', async () => {
    await request(h.ctx.t.server).get('/api/v1/auth/sessions').expect(401);
    await request(h.ctx.t.server).delete('/api/v1/auth/sessions').expect(401);
    await request(h.ctx.t.server).delete(`/api/v1/auth/sessions/${randomUUID()}`).expect(401);
  });

  it('writes nothing on the request path: many uses of a token cost one UPDATE, at the flush', async () => {
    const laptop = await login(await signUp(), LAPTOP);
    const stale = Date.now() - 5 * LAST_USED_RESOLUTION_MS;
    await h.ctx.sessions.update({ id: laptop.sid }, { lastUsedAt: new Date(stale) });
    const writes = countLastUsedWrites(h.ctx.t.app.get(DataSource));
    try {
      for (let i = 0; i < 10; i += 1) expect(await me(laptop)).toBe(200);
      expect(writes.count).toBe(0);
      expect(await h.lastUsedAt(laptop)).toBe(stale);

      const before = Date.now();
      await h.ctx.t.app.get(LastUsedRecorder).flush();

      expect(writes.count).toBe(1);
      expect(await h.lastUsedAt(laptop)).toBeGreaterThanOrEqual(before);
    } finally {
      writes.stop();
    }
  });

  it('moves lastUsedAt on a refresh, which writes the session anyway', async () => {
    const laptop = await login(await signUp(), LAPTOP);
    const stale = Date.now() - 5 * LAST_USED_RESOLUTION_MS;
    await h.ctx.sessions.update({ id: laptop.sid }, { lastUsedAt: new Date(stale) });

    expect(await refresh(laptop)).toBe(200);

    expect(await h.lastUsedAt(laptop)).toBeGreaterThan(stale);
  });
});

describe('lastUsedAt on a short flush interval', () => {
  const h = harness('100ms');

  it('moves after a use once the flush ran, and at most once a minute however often the session is used', async () => {
    const laptop = await h.login(await h.signUp(), LAPTOP);
    const stale = Date.now() - 5 * LAST_USED_RESOLUTION_MS;
    await h.ctx.sessions.update({ id: laptop.sid }, { lastUsedAt: new Date(stale) });

    expect(await h.me(laptop)).toBe(200);
    const moved = await waitFor(
      async () => {
        const at = await h.lastUsedAt(laptop);
        return at > stale && at;
      },
      { what: 'lastUsedAt to move after the flush' },
    );
    const listed = ((await h.list(laptop).expect(200)).body as Array<{ lastUsedAt: string }>)[0];
    expect(Date.parse(listed.lastUsedAt)).toBe(moved);

    // Used again within the minute: later flushes send their UPDATE, and it changes nothing.
    const writes = countLastUsedWrites(h.ctx.t.app.get(DataSource));
    try {
      expect(await h.me(laptop)).toBe(200);
      await waitFor(() => writes.count >= 1, { what: 'the next flush' });
      expect(await h.lastUsedAt(laptop)).toBe(moved);
    } finally {
      writes.stop();
    }
  });
});
