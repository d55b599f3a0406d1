import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefreshToken } from '@/modules/users/sessions/entities/refresh-token.entity';
import { Session } from '@/modules/users/sessions/entities/session.entity';
import { waitFor } from '@tools/wait-for';
import { authEnv, REFRESH_SECRET, registerAndLogin } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

const DAY_MS = 86_400_000;
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
/** A problem body without the parts that differ per request. */
const sameProblem = ({ requestId: _requestId, ...rest }: Record<string, unknown>) => rest;

/** A login session has an absolute end (`JWT_SESSION_MAX_AGE`), however often it is refreshed. */
describe('Auth: absolute session lifetime', () => {
  describe('with the default JWT_SESSION_MAX_AGE (30d)', () => {
    let t: TestApp;
    const refresh = (refreshToken: string) => request(t.server).post('/api/v1/auth/refresh').send({ refreshToken });
    const me = (accessToken: string) =>
      request(t.server).get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);
    const sessions = () => t.app.get(DataSource).getRepository(Session);
    /** Moves a login's start back in time, as if it had been kept alive by refreshes for `ageMs`. */
    const age = async (accessToken: string, ageMs: number) => {
      const id = claimsOf(accessToken).sid as string;
      await sessions().update({ id }, { createdAt: new Date(Date.now() - ageMs) });
      return sessions().findOneByOrFail({ id });
    };

    beforeAll(async () => {
      t = await createTestApp({ env: authEnv() });
    });
    afterAll(() => t.close());

    it('refuses to refresh a session older than the max age, exactly like an unknown refresh token', async () => {
      const user = await registerAndLogin(t.server);
      await age(user.tokens.accessToken, 30 * DAY_MS + 1000);

      const refused = await refresh(user.tokens.refreshToken).expect(401);
      const unknown = await refresh('not-a-token-we-issued').expect(401);
      expect(refused.body.type).toBe('/problems/invalid_refresh_token');
      expect(sameProblem(refused.body)).toEqual(sameProblem(unknown.body));
      // Refused, not spent: presenting it again is still a plain 401, not reuse.
      await refresh(user.tokens.refreshToken).expect(401);
    });

    it('still refreshes a session within the max age', async () => {
      const user = await registerAndLogin(t.server);
      await age(user.tokens.accessToken, 30 * DAY_MS - 3_600_000);
      const next = await refresh(user.tokens.refreshToken).expect(200);
      await refresh(next.body.refreshToken).expect(200);
    });

    it('refuses the access tokens of a session past its end', async () => {
      const user = await registerAndLogin(t.server);
      await me(user.tokens.accessToken).expect(200);
      await age(user.tokens.accessToken, 30 * DAY_MS + 1000);
      // The guard's session entry is cached for a few seconds; the database decides after.
      await t.app.get<Cache>(CACHE_MANAGER).clear();
      await me(user.tokens.accessToken).expect(401);
    });

    it('issues no token that outlives the session, and says so truthfully in expiresIn', async () => {
      const user = await registerAndLogin(t.server);
      const session = await age(user.tokens.accessToken, 30 * DAY_MS - 60_000);
      const endsAt = session.createdAt.getTime() + 30 * DAY_MS;

      const res = await refresh(user.tokens.refreshToken).expect(200);

      const claims = claimsOf(res.body.accessToken);
      expect(res.body.expiresIn).toBeGreaterThan(0);
      expect(res.body.expiresIn).toBeLessThanOrEqual(60);
      expect(claims.exp - claims.iat).toBe(res.body.expiresIn);
      expect(claims.exp * 1000).toBeLessThanOrEqual(endsAt);
      const hash = createHmac('sha256', REFRESH_SECRET).update(res.body.refreshToken).digest('hex');
      const row = await t.app.get(DataSource).getRepository(RefreshToken).findOneByOrFail({ tokenHash: hash });
      expect(row.expiresAt.getTime()).toBeLessThanOrEqual(endsAt);
      expect((await sessions().findOneByOrFail({ id: session.id })).expiresAt.getTime()).toBeLessThanOrEqual(endsAt);
    });

    it('gives a fresh login the full access token lifetime', async () => {
      const user = await registerAndLogin(t.server);
      expect(user.tokens.expiresIn).toBe(900);
      const claims = claimsOf(user.tokens.accessToken);
      expect(claims.exp - claims.iat).toBe(900);
    });
  });

  describe('with a short JWT_SESSION_MAX_AGE', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: authEnv({ JWT_SESSION_MAX_AGE: '3s', JWT_ACCESS_TTL: '1s' }) });
    });
    afterAll(() => t.close());

    it('ends a session that is refreshed continuously once it reaches the max age', async () => {
      const user = await registerAndLogin(t.server);
      const loggedInAt = Date.now();
      let current = user.tokens.refreshToken;
      let refreshes = 0;

      const refused = await waitFor(
        async () => {
          const res = await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: current });
          if (res.status !== 200) return res;
          current = res.body.refreshToken;
          refreshes += 1;
          return false;
        },
        { timeoutMs: 15_000, intervalMs: 200, what: 'the session to reach its max age' },
      );

      expect(refused.status).toBe(401);
      expect(refused.body.type).toBe('/problems/invalid_refresh_token');
      expect(refreshes).toBeGreaterThan(1);
      expect(Date.now() - loggedInAt).toBeGreaterThanOrEqual(2_000);
    });
  });
});
