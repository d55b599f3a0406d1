import { JwtModuleOptions } from '@nestjs/jwt';
import { createHmac, KeyObject } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RefreshToken } from '@/modules/users/sessions/entities/refresh-token.entity';
import { SessionsService } from '@/modules/users/sessions/sessions.service';
import { createTestApp, TestApp } from '@test/support/test-app';
import {
  ADMIN,
  authEnv,
  login,
  loginAdmin,
  REFRESH_SECRET,
  registerAndLogin,
  uniqueEmail,
} from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_KEYS = ['createdAt', 'email', 'emailVerified', 'id', 'isActive', 'name', 'role', 'updatedAt'];

describe('Auth: /api/v1/auth', () => {
  let t: TestApp;
  const post = (path: string) => request(t.server).post(`/api/v1/auth/${path}`);
  const me = (bearer: string) => request(t.server).get('/api/v1/users/me').set('Authorization', bearer);

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
  });
  afterAll(() => t.close());

  it('marks token and profile responses, and failures, as never to be stored by a cache', async () => {
    const email = uniqueEmail();
    const registered = await post('register').send({ email, password: 'a-good-password', name: 'N' }).expect(201);
    const loggedIn = await post('login').send({ email, password: 'a-good-password' }).expect(200);
    const refreshed = await post('refresh').send({ refreshToken: loggedIn.body.refreshToken }).expect(200);
    const bearer = `Bearer ${refreshed.body.accessToken}`;
    const profile = await me(bearer).expect(200);
    const renamed = await request(t.server).patch('/api/v1/users/me').set('Authorization', bearer).send({ name: 'M' });
    const byId = await request(t.server).get(`/api/v1/users/${registered.body.id}`).set('Authorization', bearer);
    const refused = await post('login').send({ email, password: 'a-wrong-password' }).expect(401);

    const answers = { registered, loggedIn, refreshed, profile, renamed, byId, refused };
    const cacheControl = Object.fromEntries(
      Object.entries(answers).map(([name, res]) => [name, res.headers['cache-control']]),
    );
    expect(cacheControl).toEqual(Object.fromEntries(Object.keys(answers).map((name) => [name, 'no-store'])));
    expect((await request(t.server).get('/health/live')).headers['cache-control']).toBeUndefined();
  });

  describe('POST /register', () => {
    it('creates a user with role user, a lower-cased email and exactly the public fields', async () => {
      const email = uniqueEmail('Mixed.Case').toUpperCase();
      const res = await post('register').send({ email, password: 'a-good-password', name: 'Ada' }).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toMatchObject({ email: email.toLowerCase(), name: 'Ada', role: 'user', isActive: true });
      expect(res.body.id).toMatch(UUID);
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/i);
    });

    it.each([
      ['a short password', { password: 'short' }, 'password'],
      ['a password over 128 characters', { password: 'x'.repeat(129) }, 'password'],
      ['a malformed email', { email: 'not-an-email' }, 'email'],
      ['an empty name', { name: '' }, 'name'],
      ['a missing name', { name: undefined }, 'name'],
    ])('refuses %s with a 400 naming the field', async (_case, change, field) => {
      const body = { email: uniqueEmail(), password: 'a-good-password', name: 'Ada', ...change };
      const res = await post('register').send(body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('accepts passwords of exactly 8 and 128 characters', async () => {
      for (const password of ['k7#Qm2!x', 'Vq3-'.repeat(31) + 'Zr8e']) {
        expect(password.length === 8 || password.length === 128).toBe(true);
        await post('register').send({ email: uniqueEmail(), password, name: 'Edge' }).expect(201);
      }
    });

    it('answers 409 for a taken email, whatever its case, without revealing the account', async () => {
      const email = uniqueEmail('taken');
      await post('register').send({ email, password: 'a-good-password', name: 'First' }).expect(201);
      const res = await post('register')
        .send({ email: `  ${email.toUpperCase()} `, password: 'another-password', name: 'Second' })
        .expect(409);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ type: '/problems/email_taken', status: 409 });
      const { requestId: _requestId, ...rest } = res.body;
      expect(Object.keys(rest).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
      expect(JSON.stringify(rest)).not.toMatch(/First|[0-9a-f]{8}-[0-9a-f]{4}/);
    });
  });

  describe('POST /login', () => {
    it('answers 200 with a Bearer pair and the access lifetime in seconds', async () => {
      const email = uniqueEmail();
      await post('register').send({ email, password: 'a-good-password', name: 'L' }).expect(201);
      const res = await post('login').send({ email: email.toUpperCase(), password: 'a-good-password' }).expect(200);
      expect(res.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      await me(`Bearer ${res.body.accessToken}`).expect(200);
    });

    it('puts sub, role, sid, jti, typ, iss, aud, iat and exp in an HS256 access token', async () => {
      const user = await registerAndLogin(t.server);
      const [header, payload] = user.tokens.accessToken
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(payload).toEqual({
        sub: user.id,
        role: 'user',
        sid: expect.stringMatching(UUID),
        jti: expect.stringMatching(UUID),
        typ: 'access',
        iss: 'nest-enterprise-backend',
        aud: 'nest-enterprise-backend-api',
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
      expect(payload.exp - payload.iat).toBe(900);
    });

    it('hands the signer its HMAC secret as a KeyObject, restricted to HS256', () => {
      // A string secret makes jsonwebtoken 9 try to parse a public key on every verify (auth0/node-jsonwebtoken#966).
      const options = t.app.get<JwtModuleOptions>('JWT_MODULE_OPTIONS');
      expect(options.secret).toBeInstanceOf(KeyObject);
      expect((options.secret as KeyObject).type).toBe('secret');
      expect(options.verifyOptions?.algorithms).toEqual(['HS256']);
    });

    it('answers the same 401 body for an unknown email, a wrong password and a deactivated account', async () => {
      const victim = await registerAndLogin(t.server);
      const inactive = await registerAndLogin(t.server);
      const admin = await loginAdmin(t.server);
      await request(t.server)
        .patch(`/api/v1/users/${inactive.id}`)
        .set('Authorization', admin.bearer)
        .send({ isActive: false })
        .expect(200);

      const attempts = [
        { email: uniqueEmail('nobody'), password: 'a-good-password' },
        { email: victim.email, password: 'wrong-password' },
        { email: inactive.email, password: inactive.password },
      ];
      const bodies = [];
      for (const attempt of attempts) {
        const res = await post('login').set('X-Request-Id', 'same-id').send(attempt).expect(401);
        expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
        bodies.push(res.body);
      }
      expect(bodies[0]).toEqual({
        type: '/problems/invalid_credentials',
        title: 'Unauthorized',
        status: 401,
        detail: 'The email or password is incorrect.',
        instance: '/api/v1/auth/login',
        requestId: 'same-id',
      });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('serves concurrent logins of one user, each with a session of its own', async () => {
      const user = await registerAndLogin(t.server);
      const results = await Promise.all(
        [0, 1, 2, 3].map(() => post('login').send({ email: user.email, password: user.password })),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const sids = results.map(
        (r) => JSON.parse(Buffer.from(r.body.accessToken.split('.')[1], 'base64url').toString()).sid,
      );
      expect(new Set(sids).size).toBe(4);
    });

    it('refuses a body without a password or with unknown fields with 400', async () => {
      await post('login').send({ email: ADMIN.email }).expect(400);
      const res = await post('login')
        .send({ ...ADMIN, role: 'admin' })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'role', message: 'property role should not exist' }]);
    });
  });

  describe('POST /refresh', () => {
    it('returns a new pair and spends the presented refresh token', async () => {
      const user = await registerAndLogin(t.server);
      const res = await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect(res.body.refreshToken).not.toBe(user.tokens.refreshToken);
      expect(res.body.accessToken).not.toBe(user.tokens.accessToken);
      await me(`Bearer ${res.body.accessToken}`).expect(200);
      const next = await post('refresh').send({ refreshToken: res.body.refreshToken }).expect(200);
      await me(`Bearer ${next.body.accessToken}`).expect(200);
    });

    it('answers 401 for an unknown refresh token and 400 for a missing one', async () => {
      const res = await post('refresh').send({ refreshToken: 'not-a-token-we-issued' }).expect(401);
      expect(res.body.type).toBe('/problems/invalid_refresh_token');
      await post('refresh').send({}).expect(400);
    });

    it('refuses a spent refresh token and revokes its whole family', async () => {
      const user = await registerAndLogin(t.server);
      const rotated = (await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(200)).body;

      await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);

      await post('refresh').send({ refreshToken: rotated.refreshToken }).expect(401);
      await me(`Bearer ${rotated.accessToken}`).expect(401);
      await me(user.bearer).expect(401);
    });

    it('lets exactly one of two racing refreshes with the same token win, and then kills the winner too', async () => {
      const user = await registerAndLogin(t.server);
      const results = await Promise.all(
        [0, 1].map(() => post('refresh').send({ refreshToken: user.tokens.refreshToken })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);

      const winner = results.find((r) => r.status === 200)!.body;
      await post('refresh').send({ refreshToken: winner.refreshToken }).expect(401);
      await me(`Bearer ${winner.accessToken}`).expect(401);
    });

    it('spends a token once even when both rotations read it before either writes (the conditional update decides)', async () => {
      const user = await registerAndLogin(t.server);
      const sessions = t.app.get(SessionsService);
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => sessions.rotate(user.tokens.refreshToken)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
      expect(reasons).toEqual(['invalid_refresh_token', 'invalid_refresh_token']);
    });

    it('stores only a keyed hash of the refresh token, never the token', async () => {
      const user = await registerAndLogin(t.server);
      const rows = await t.app.get(DataSource).getRepository(RefreshToken).find();
      const hash = createHmac('sha256', REFRESH_SECRET).update(user.tokens.refreshToken).digest('hex');
      expect(rows.filter((r) => r.tokenHash === hash)).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(user.tokens.refreshToken);
    });

    it('answers 401 for an expired refresh token', async () => {
      const user = await registerAndLogin(t.server);
      const hash = createHmac('sha256', REFRESH_SECRET).update(user.tokens.refreshToken).digest('hex');
      await t.app
        .get(DataSource)
        .getRepository(RefreshToken)
        .update({ tokenHash: hash }, { expiresAt: new Date(Date.now() - 1000) });
      await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);
    });

    it('leaves other logins of the same user alone when one family is revoked', async () => {
      const user = await registerAndLogin(t.server);
      const other = await login(t.server, user.email, user.password);
      await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(200);
      await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);
      await me(`Bearer ${other.accessToken}`).expect(200);
      await post('refresh').send({ refreshToken: other.refreshToken }).expect(200);
    });
  });

  describe('POST /logout', () => {
    it('answers 204, after which the access token and the refresh token stop working', async () => {
      const user = await registerAndLogin(t.server);
      await post('logout')
        .set('Authorization', user.bearer)
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(204);
      await me(user.bearer).expect(401);
      await post('refresh').send({ refreshToken: user.tokens.refreshToken }).expect(401);
      await post('logout')
        .set('Authorization', user.bearer)
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(401);
    });

    it('keeps the user’s other logins working', async () => {
      const user = await registerAndLogin(t.server);
      const other = await login(t.server, user.email, user.password);
      await post('logout')
        .set('Authorization', user.bearer)
        .send({ refreshToken: user.tokens.refreshToken })
        .expect(204);
      await me(`Bearer ${other.accessToken}`).expect(200);
    });

    it('never revokes someone else’s session through a refresh token in the body', async () => {
      const alice = await registerAndLogin(t.server);
      const bob = await registerAndLogin(t.server);
      await post('logout')
        .set('Authorization', alice.bearer)
        .send({ refreshToken: bob.tokens.refreshToken })
        .expect(204);
      await me(bob.bearer).expect(200);
      await post('refresh').send({ refreshToken: bob.tokens.refreshToken }).expect(200);
    });

    it('answers 401 without a bearer token, with a WWW-Authenticate challenge', async () => {
      const res = await post('logout').send({ refreshToken: 'x' }).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    });
  });
});
