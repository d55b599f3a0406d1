import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv, login, loginAdmin, registerAndLogin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;

describe('Users: /api/v1/users', () => {
  let t: TestApp;
  let admin: SignedIn;
  let user: SignedIn;
  const api = (method: 'get' | 'patch' | 'delete', path: string, bearer?: string) => {
    const req = request(t.server)[method](`/api/v1/users${path}`);
    return bearer ? req.set('Authorization', bearer) : req;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    admin = await loginAdmin(t.server);
    user = await registerAndLogin(t.server, { name: 'Plain User' });
  });
  afterAll(() => t.close());

  describe('GET /me', () => {
    it('answers 200 with the caller', async () => {
      const res = await api('get', '/me', user.bearer).expect(200);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, name: 'Plain User', role: 'user' });
      expect(res.body.passwordHash).toBeUndefined();
    });

    it('answers 401 without a token', async () => {
      const res = await api('get', '/me').expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    });
  });

  describe('PATCH /me', () => {
    it('changes the name', async () => {
      const someone = await registerAndLogin(t.server);
      const res = await api('patch', '/me', someone.bearer).send({ name: '  New Name ' }).expect(200);
      expect(res.body.name).toBe('New Name');
    });

    it('changes the password with currentPassword, keeps this session and revokes the others', async () => {
      const someone = await registerAndLogin(t.server);
      const other = await login(t.server, someone.email, someone.password);
      await api('patch', '/me', someone.bearer)
        .send({ password: 'brand-new-password', currentPassword: someone.password })
        .expect(200);

      await api('get', '/me', someone.bearer).expect(200);
      await request(t.server)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: someone.tokens.refreshToken })
        .expect(200);
      await api('get', '/me', `Bearer ${other.accessToken}`).expect(401);
      await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);

      await request(t.server)
        .post('/api/v1/auth/login')
        .send({ email: someone.email, password: someone.password })
        .expect(401);
      await login(t.server, someone.email, 'brand-new-password');
    });

    it('answers 400 for a password without currentPassword, or with a wrong one, and keeps the old password', async () => {
      const someone = await registerAndLogin(t.server);
      const missing = await api('patch', '/me', someone.bearer).send({ password: 'brand-new-password' }).expect(400);
      expect(new Set(missing.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['currentPassword']));
      const wrong = await api('patch', '/me', someone.bearer)
        .send({ password: 'brand-new-password', currentPassword: 'not-my-password' })
        .expect(400);
      expect(wrong.body.errors).toEqual([{ field: 'currentPassword', message: 'currentPassword is incorrect' }]);
      await login(t.server, someone.email, someone.password);
    });

    it('answers 400 for an invalid name or a short password', async () => {
      await api('patch', '/me', user.bearer).send({ name: '' }).expect(400);
      await api('patch', '/me', user.bearer).send({ password: 'short', currentPassword: user.password }).expect(400);
    });

    it('answers 401 without a token', async () => {
      await api('patch', '/me').send({ name: 'x' }).expect(401);
    });
  });

  describe('GET / (admin)', () => {
    const tag = `zq${Date.now().toString(36)}`;
    beforeAll(async () => {
      // Three users whose names share a tag, so searches and sorts have a known answer.
      for (const [name, prefix] of [
        [`${tag} Charlie`, 'c'],
        [`${tag} alpha`, 'a'],
        [`${tag} Bravo`, 'b'],
      ]) {
        await request(t.server)
          .post('/api/v1/auth/register')
          .send({ email: uniqueEmail(`${prefix}-${tag}`), password: 'a-good-password', name })
          .expect(201);
      }
    });

    it('pages with meta, sorted by createdAt desc by default', async () => {
      const res = await api('get', '/?limit=2', admin.bearer).expect(200);
      expect(res.body.data).toHaveLength(2);
      expect(res.body.meta).toEqual({
        page: 1,
        limit: 2,
        total: expect.any(Number),
        totalPages: Math.ceil(res.body.meta.total / 2),
      });
      const dates = res.body.data.map((u: { createdAt: string }) => u.createdAt);
      expect([...dates].sort().reverse()).toEqual(dates);
      const page2 = await api('get', '/?limit=2&page=2', admin.bearer).expect(200);
      const ids = new Set(res.body.data.map((u: { id: string }) => u.id));
      expect(page2.body.data.some((u: { id: string }) => ids.has(u.id))).toBe(false);
    });

    it('searches name and email case-insensitively and sorts by a whitelisted field', async () => {
      const res = await api('get', `/?search=${tag.toUpperCase()}&sort=name:asc`, admin.bearer).expect(200);
      expect(res.body.data.map((u: { name: string }) => u.name)).toEqual([
        `${tag} alpha`,
        `${tag} Bravo`,
        `${tag} Charlie`,
      ]);
      expect(res.body.meta.total).toBe(3);
      const byEmail = await api('get', `/?search=b-${tag}`, admin.bearer).expect(200);
      expect(byEmail.body.data.map((u: { name: string }) => u.name)).toEqual([`${tag} Bravo`]);
      const desc = await api('get', `/?search=${tag}&sort=email:desc`, admin.bearer).expect(200);
      expect(desc.body.data.map((u: { email: string }) => u.email[0])).toEqual(['c', 'b', 'a']);
    });

    it('filters by role', async () => {
      const res = await api('get', '/?role=admin&limit=100', admin.bearer).expect(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data.every((u: { role: string }) => u.role === 'admin')).toBe(true);
    });

    it('matches % and _ literally and treats SQL metacharacters as plain text', async () => {
      for (const search of ['%', '_', '%%', '\\', '!', "' OR 1=1 --", '"; DROP TABLE users; --']) {
        const res = await api('get', `/?search=${encodeURIComponent(search)}`, admin.bearer).expect(200);
        expect(res.body.meta.total).toBe(0);
      }
      const literal = await registerAndLogin(t.server, { name: `100%_done!${tag}` });
      const res = await api('get', `/?search=${encodeURIComponent(`%_done!${tag}`)}`, admin.bearer).expect(200);
      expect(res.body.data.map((u: { id: string }) => u.id)).toEqual([literal.id]);
      const users = await api('get', '/?limit=1', admin.bearer).expect(200);
      expect(users.body.meta.total).toBeGreaterThan(3);
    });

    it.each([
      ['limit over 100', 'limit=101'],
      ['limit 0', 'limit=0'],
      ['page 0', 'page=0'],
      ['a non-numeric page', 'page=abc'],
      ['an unknown sort field', 'sort=password_hash:asc'],
      ['a sort with SQL in it', `sort=${encodeURIComponent('name; DROP TABLE users')}`],
      ['a sort without a direction', 'sort=name'],
      ['an unknown role', 'role=root'],
      ['an unknown parameter', 'isAdmin=true'],
      ['a search over 100 characters', `search=${'x'.repeat(101)}`],
    ])('answers 400 for %s', async (_case, query) => {
      const res = await api('get', `/?${query}`, admin.bearer).expect(400);
      expect(res.body.type).toBe('/problems/validation_failed');
    });

    it('answers 401 without a token and 403 to a non-admin', async () => {
      await api('get', '/').expect(401);
      const res = await api('get', '/', user.bearer).expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    });
  });

  describe('GET /:id', () => {
    it('answers 200 to an admin and to the user themselves', async () => {
      await api('get', `/${user.id}`, admin.bearer).expect(200);
      await api('get', `/${user.id}`, user.bearer).expect(200);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const res = await api('get', '/not-a-uuid', admin.bearer).expect(400);
      expect(res.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    });

    it('answers 404 for a missing id, and 401 without a token', async () => {
      await api('get', '/00000000-0000-4000-8000-000000000000', admin.bearer).expect(404);
      await api('get', `/${user.id}`).expect(401);
    });
  });

  describe('PATCH /:id (admin)', () => {
    it('changes name, role and isActive', async () => {
      const target = await registerAndLogin(t.server);
      const res = await api('patch', `/${target.id}`, admin.bearer)
        .send({ name: 'Renamed', role: 'admin', isActive: false })
        .expect(200);
      expect(res.body).toMatchObject({ id: target.id, name: 'Renamed', role: 'admin', isActive: false });
    });

    it('answers 400 for invalid values, 403 to a non-admin, 404 for a missing user, 401 without a token', async () => {
      await api('patch', `/${user.id}`, admin.bearer).send({ role: 'superuser' }).expect(400);
      await api('patch', `/${user.id}`, admin.bearer).send({ isActive: 'no' }).expect(400);
      await api('patch', '/not-a-uuid', admin.bearer).send({ name: 'x' }).expect(400);
      await api('patch', `/${user.id}`, user.bearer).send({ name: 'x' }).expect(403);
      await api('patch', '/00000000-0000-4000-8000-000000000000', admin.bearer).send({ name: 'x' }).expect(404);
      await api('patch', `/${user.id}`).send({ name: 'x' }).expect(401);
    });
  });

  describe('DELETE /:id (admin)', () => {
    it('answers 204, after which the user is gone and their tokens stop working', async () => {
      const target = await registerAndLogin(t.server);
      await api('delete', `/${target.id}`, admin.bearer).expect(204);
      await api('get', `/${target.id}`, admin.bearer).expect(404);
      await api('get', '/me', target.bearer).expect(401);
      await api('delete', `/${target.id}`, admin.bearer).expect(404);
    });

    it('answers 403 to a non-admin and 401 without a token', async () => {
      await api('delete', `/${user.id}`, user.bearer).expect(403);
      await api('delete', `/${user.id}`).expect(401);
      await api('get', '/me', user.bearer).expect(200);
    });
  });
});
