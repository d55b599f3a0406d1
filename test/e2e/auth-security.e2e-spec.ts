import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { ACCESS_SECRET, authEnv, loginAdmin, registerAndLogin, SignedIn } from '@test/factories/auth.factory';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sign = (header: object, payload: object, secret = ACCESS_SECRET) => {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
};
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/** OWASP API Security Top 10 cases that apply to authentication and the user resources. */
describe('Auth security', () => {
  let t: TestApp;
  let admin: SignedIn;
  const me = (bearer: string) => request(t.server).get('/api/v1/users/me').set('Authorization', bearer);

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    admin = await loginAdmin(t.server);
  });
  afterAll(() => t.close());

  describe('broken authentication (API2)', () => {
    let user: SignedIn;
    let claims: Record<string, unknown>;
    beforeAll(async () => {
      user = await registerAndLogin(t.server);
      claims = claimsOf(user.tokens.accessToken);
    });

    it('accepts a token it signed itself (control case for the forgeries below)', async () => {
      await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, claims)}`).expect(200);
    });

    it('refuses a token whose signature was tampered with', async () => {
      const [h, p, s] = user.tokens.accessToken.split('.');
      const flipped = `${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
      await me(`Bearer ${h}.${p}.${flipped}`).expect(401);
    });

    it('refuses a token whose payload was changed to claim admin', async () => {
      const [h, , s] = user.tokens.accessToken.split('.');
      await me(`Bearer ${h}.${b64({ ...claims, role: 'admin' })}.${s}`).expect(401);
      const asAdmin = `Bearer ${h}.${b64({ ...claims, role: 'admin' })}.${s}`;
      await request(t.server).get('/api/v1/users').set('Authorization', asAdmin).expect(401);
    });

    it('refuses an unsigned token (alg: none)', async () => {
      await me(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`).expect(401);
      await me(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`).expect(401);
    });

    it('refuses a token signed with another key or another HMAC algorithm', async () => {
      await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-of-32-characters!!')}`).expect(
        401,
      );
      const head = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(claims)}`;
      await me(`Bearer ${head}.${createHmac('sha512', ACCESS_SECRET).update(head).digest('base64url')}`).expect(401);
    });

    it('refuses an expired token with a token_expired problem', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 60, exp: now - 1 })}`);
      expect(res.status).toBe(401);
      expect(res.body.type).toBe('/problems/token_expired');
    });

    it('names the configured issuer and audience in the tokens it signs', () => {
      expect(claims).toMatchObject({ iss: 'nest-enterprise-backend', aud: 'nest-enterprise-backend-api' });
    });

    it('refuses a correctly signed token without an expiry', async () => {
      const { exp: _exp, ...endless } = claims;
      const res = await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, endless)}`);
      expect(res.status).toBe(401);
      expect(res.body.type).toBe('/problems/unauthorized');
    });

    it('refuses a correctly signed token from another issuer or for another audience', async () => {
      const { iss: _iss, ...noIssuer } = claims;
      const { aud: _aud, ...noAudience } = claims;
      const forgeries = [
        { ...claims, iss: 'another-service' },
        noIssuer,
        { ...claims, aud: 'another-service-api' },
        { ...claims, aud: ['another-service-api'] },
        noAudience,
      ];
      for (const forged of forgeries) {
        await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, forged)}`).expect(401);
      }
    });

    it('refuses a refresh token presented as an access token', async () => {
      await me(`Bearer ${user.tokens.refreshToken}`).expect(401);
    });

    it('refuses a correctly signed token of another type', async () => {
      await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, typ: 'refresh' })}`).expect(401);
      const { typ: _typ, ...untyped } = claims;
      await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, untyped)}`).expect(401);
    });

    it('refuses a validly signed token whose session does not exist', async () => {
      const forged = { ...claims, sid: '00000000-0000-4000-8000-000000000000' };
      await me(`Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, forged)}`).expect(401);
    });

    it('refuses a malformed Authorization header', async () => {
      await me('Bearer').expect(401);
      await me(`Basic ${Buffer.from('a:b').toString('base64')}`).expect(401);
      await me('Bearer not.a.jwt').expect(401);
    });
  });

  describe('tokens of deleted and deactivated users', () => {
    it('refuses the live access and refresh tokens of a deactivated user, and accepts new ones once reactivated', async () => {
      const user = await registerAndLogin(t.server);
      await me(user.bearer).expect(200);
      const patch = (isActive: boolean) =>
        request(t.server).patch(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).send({ isActive });

      await patch(false).expect(200);
      await me(user.bearer).expect(401);
      await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);

      await patch(true).expect(200);
      await me(user.bearer).expect(401);
      const again = await request(t.server)
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      await me(`Bearer ${again.body.accessToken}`).expect(200);
    });

    it('refuses the live tokens of a deleted user', async () => {
      const user = await registerAndLogin(t.server);
      await me(user.bearer).expect(200);
      await request(t.server).delete(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).expect(204);
      await me(user.bearer).expect(401);
      await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);
    });

    it('keeps a revoked token dead after the cache is flushed (the database is the source of truth)', async () => {
      const user = await registerAndLogin(t.server);
      await me(user.bearer).expect(200);
      await request(t.server)
        .post('/api/v1/auth/logout')
        .set('Authorization', user.bearer)
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(204);
      await t.app.get<Cache>(CACHE_MANAGER).clear();
      await me(user.bearer).expect(401);
    });

    it('applies a demotion to the next request, whatever role the token claims', async () => {
      const user = await registerAndLogin(t.server);
      const promote = (role: string) =>
        request(t.server).patch(`/api/v1/users/${user.id}`).set('Authorization', admin.bearer).send({ role });
      await promote('admin').expect(200);
      await request(t.server).get('/api/v1/users').set('Authorization', user.bearer).expect(200);
      await promote('user').expect(200);
      await request(t.server).get('/api/v1/users').set('Authorization', user.bearer).expect(403);
    });
  });

  describe('role escalation and mass assignment (API3, API5)', () => {
    let user: SignedIn;
    beforeAll(async () => {
      user = await registerAndLogin(t.server);
    });

    it.each([['role'], ['isActive'], ['id'], ['passwordHash'], ['sessionsValidAfter'], ['createdAt']])(
      'refuses %s in a register body with 400 and creates nobody',
      async (field) => {
        const email = `escalate-${field.toLowerCase()}@example.com`;
        const res = await request(t.server)
          .post('/api/v1/auth/register')
          .send({ email, password: 'a-good-password', name: 'Mallory', [field]: field === 'role' ? 'admin' : 'x' })
          .expect(400);
        expect(res.body.errors).toEqual([{ field, message: `property ${field} should not exist` }]);
        await request(t.server).post('/api/v1/auth/login').send({ email, password: 'a-good-password' }).expect(401);
      },
    );

    it.each([
      ['role', 'admin'],
      ['isActive', true],
      ['emailVerified', true],
      ['id', 'x'],
      ['passwordHash', 'x'],
    ])('refuses %s in PATCH /users/me with 400 and changes nothing', async (field, value) => {
      const res = await request(t.server)
        .patch('/api/v1/users/me')
        .set('Authorization', user.bearer)
        .send({ name: 'Still Mallory', [field]: value })
        .expect(400);
      expect(res.body.errors).toEqual([{ field, message: `property ${field} should not exist` }]);
      const after = await me(user.bearer).expect(200);
      expect(after.body).toMatchObject({ role: 'user', email: user.email, name: 'Test User' });
    });

    it('refuses a user changing their own role through the admin route (403)', async () => {
      await request(t.server)
        .patch(`/api/v1/users/${user.id}`)
        .set('Authorization', user.bearer)
        .send({ role: 'admin' })
        .expect(403);
      expect((await me(user.bearer)).body.role).toBe('user');
    });

    it('refuses unknown fields in admin bodies too', async () => {
      await request(t.server)
        .patch(`/api/v1/users/${user.id}`)
        .set('Authorization', admin.bearer)
        .send({ email: 'hijack@example.com' })
        .expect(400);
    });
  });

  describe('object-level authorisation (API1, BOLA)', () => {
    it('answers 404 to a user asking for another user’s record, and 200 for their own', async () => {
      const alice = await registerAndLogin(t.server);
      const bob = await registerAndLogin(t.server);
      const res = await request(t.server).get(`/api/v1/users/${bob.id}`).set('Authorization', alice.bearer).expect(404);
      expect(JSON.stringify(res.body)).not.toContain(bob.email);
      await request(t.server).get(`/api/v1/users/${alice.id}`).set('Authorization', alice.bearer).expect(200);
      await request(t.server).get(`/api/v1/users/${admin.id}`).set('Authorization', alice.bearer).expect(404);
    });

    it('refuses a user patching or deleting another user', async () => {
      const alice = await registerAndLogin(t.server);
      const bob = await registerAndLogin(t.server);
      await request(t.server)
        .patch(`/api/v1/users/${bob.id}`)
        .set('Authorization', alice.bearer)
        .send({ name: 'x' })
        .expect(403);
      await request(t.server).delete(`/api/v1/users/${bob.id}`).set('Authorization', alice.bearer).expect(403);
      await me(bob.bearer).expect(200);
    });
  });
});
