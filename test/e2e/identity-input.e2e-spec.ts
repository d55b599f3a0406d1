import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv, uniqueEmail } from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;
const PASSWORD = 'a-good-password';

/** Runs on SQLite, and under test:integration on PostgreSQL and MySQL/MariaDB. */
describe('Identity and input', () => {
  let t: TestApp;
  const post = (path: string) => request(t.server).post(`/api/v1/auth/${path}`);
  const register = (email: string, password = PASSWORD) => post('register').send({ email, password, name: 'N' });
  const raw = (path: string, body: string) =>
    request(t.server).post(path).set('Content-Type', 'application/json').send(body);
  /** A local part no other test uses, with `tail` (accents, combining marks) appended. */
  const unique = (tail: string) => uniqueEmail('id').replace('@', `${tail}@`);

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
  });
  afterAll(() => t.close());

  describe('emails compare exactly, after normalisation, on every store', () => {
    it('does not let an accented variant log into the plain account, and lets it register as its own', async () => {
      const plain = unique('jose');
      const accented = plain.replace('jose@', 'jos\u00e9@');
      await register(plain).expect(201);

      const refused = await post('login').send({ email: accented, password: PASSWORD }).expect(401);
      expect(refused.body.type).toBe('/problems/invalid_credentials');

      const other = await register(accented, 'another-good-password').expect(201);
      expect(other.body.email).toBe(accented);
      await post('login').send({ email: accented, password: 'another-good-password' }).expect(200);
      await post('login').send({ email: plain, password: PASSWORD }).expect(200);
      await post('login').send({ email: plain, password: 'another-good-password' }).expect(401);
    });

    it('keeps case variants one account', async () => {
      const email = unique('case');
      await register(email).expect(201);
      expect((await register(email.toUpperCase()).expect(409)).body.type).toBe('/problems/email_taken');
      await post('login').send({ email: email.toUpperCase(), password: PASSWORD }).expect(200);
    });

    it('makes NFC and NFD spellings of an address one account', async () => {
      const nfc = unique('ren\u00e9e');
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);

      const created = await register(nfd).expect(201);
      expect(created.body.email).toBe(nfc);
      expect((await register(nfc).expect(409)).body.type).toBe('/problems/email_taken');
      await post('login').send({ email: nfc, password: PASSWORD }).expect(200);
      await post('login').send({ email: nfd, password: PASSWORD }).expect(200);
    });

    it.each([
      ['a zero-width space', '\u200b'],
      ['a zero-width joiner', '\u200d'],
      ['a right-to-left override', '\u202e'],
      ['a first-strong isolate', '\u2068'],
      ['a byte-order mark', '\ufeff'],
      ['a control character', '\u0007'],
    ])('refuses an email with %s as a field error', async (_name, character) => {
      const res = await register(unique(character)).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body.type).toBe('/problems/validation_failed');
      expect(res.body.errors).toContainEqual({
        field: 'email',
        message: 'email must not contain invisible or control characters',
      });
    });
  });

  describe('validation work and answers are bounded', () => {
    const manyKeys = (count: number) =>
      JSON.stringify({
        email: unique('many'),
        password: PASSWORD,
        name: 'N',
        ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i.toString(36)}`, 0])),
      });

    it('refuses a body of 9,500 unknown keys before validation, with a small answer', async () => {
      const body = manyKeys(9_500);
      // Under the 100 kB body limit, like the body the penetration test sent.
      expect(body.length).toBeGreaterThan(80_000);
      expect(body.length).toBeLessThan(100_000);

      const res = await raw('/api/v1/auth/register', body).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      // Produced by the middleware in front of the router: the validation pipe never ran.
      expect(res.body.type).toBe('/problems/too_many_fields');
      expect(res.body.errors).toBeUndefined();
      expect(Buffer.byteLength(res.text)).toBeLessThan(1_024);
    });

    it('counts fields across nesting levels and in arrays', async () => {
      const nested = {
        email: 'a@example.com',
        password: PASSWORD,
        deep: { list: Array.from({ length: 120 }, () => 1) },
      };
      const res = await raw('/api/v1/auth/login', JSON.stringify(nested)).expect(400);
      expect(res.body.type).toBe('/problems/too_many_fields');
    });

    it('lists at most 20 field errors, and says that the rest were omitted', async () => {
      const res = await raw('/api/v1/auth/register', manyKeys(90)).expect(400);
      expect(res.body.type).toBe('/problems/validation_failed');
      expect(res.body.errors).toHaveLength(20);
      expect(res.body.detail).toMatch(/first 20 of 90 field errors \(the rest are omitted\)/);
      expect(Buffer.byteLength(res.text)).toBeLessThan(4_096);
    });
  });

  describe('prototype keys are unknown fields, not silently dropped', () => {
    const valid = () => ({ email: unique('proto'), password: PASSWORD, name: 'N' });
    const withKey = (key: string, value: string) => JSON.stringify(valid()).replace(/^\{/, `{"${key}":${value},`);

    it('answers an ordinary unknown field with this shape', async () => {
      const res = await raw('/api/v1/auth/register', withKey('role', '"admin"')).expect(400);
      expect(res.body).toMatchObject({
        type: '/problems/validation_failed',
        errors: [{ field: 'role', message: 'property role should not exist' }],
      });
    });

    it.each(['__proto__', 'constructor', 'prototype'])('refuses a top-level %s key the same way', async (key) => {
      const res = await raw('/api/v1/auth/register', withKey(key, '{"role":"admin"}')).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({
        type: '/problems/validation_failed',
        errors: [{ field: key, message: `property ${key} should not exist` }],
      });
    });

    it('refuses a nested __proto__ key with its path', async () => {
      const body = JSON.stringify(valid()).replace(/^\{/, '{"profile":{"__proto__":{"isAdmin":true}},');
      const res = await raw('/api/v1/auth/register', body).expect(400);
      expect(res.body.errors).toEqual([{ field: 'profile.__proto__', message: 'property __proto__ should not exist' }]);
    });
  });

  describe('the commonest passwords are refused, saying why', () => {
    const passwordErrors = (res: request.Response) =>
      (res.body.errors as Array<{ field: string; message: string }>).filter((e) => e.field === 'password');

    it.each([
      ['password', 'password is too common (one of the ten most used passwords)'],
      ['Password123!', 'password is too common (a common password with small changes)'],
      ['        ', 'password must not be only whitespace'],
      ['aaaaaaaaaaaa', 'password is too easy to guess (a repeated character)'],
    ])('refuses registering with %j', async (password, message) => {
      const res = await register(unique('weak'), password).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(passwordErrors(res)).toEqual([{ field: 'password', message }]);
    });

    it('keeps the length rule as the only error for a short password', async () => {
      const res = await register(unique('short'), 'pass').expect(400);
      expect(passwordErrors(res)).toEqual([
        { field: 'password', message: 'password must be longer than or equal to 8 characters' },
      ]);
    });

    it('refuses a common password as the new one in PATCH /users/me, and keeps the old one', async () => {
      const email = unique('change');
      await register(email).expect(201);
      const login = await post('login').send({ email, password: PASSWORD }).expect(200);
      const res = await request(t.server)
        .patch('/api/v1/users/me')
        .set('Authorization', `Bearer ${login.body.accessToken}`)
        .send({ password: '12345678', currentPassword: PASSWORD })
        .expect(400);
      expect(passwordErrors(res)).toEqual([
        { field: 'password', message: 'password is too common (one of the ten most used passwords)' },
      ]);
      await post('login').send({ email, password: PASSWORD }).expect(200);
    });

    it('does not apply the rule at login, where a common password is only a wrong one', async () => {
      // Accounts whose password predates the rule must still be able to log in and change it.
      const res = await post('login')
        .send({ email: unique('nobody'), password: 'password' })
        .expect(401);
      expect(res.body.type).toBe('/problems/invalid_credentials');
    });
  });
});
