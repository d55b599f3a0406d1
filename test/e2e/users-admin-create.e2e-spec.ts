import { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { JobRecord } from '@/infra/jobs/job.entity';
import { authEnv, login, loginAdmin, registerAndLogin, SignedIn, uniqueEmail } from '@test/factories/auth.factory';
import { createTestApp, TestApp } from '@test/support/test-app';

const PROBLEM_JSON = /^application\/problem\+json/;
const PASSWORD = 'handed-over-password';
/** BullMQ on Redis under `test:integration` (REDIS_URL set), the database queue otherwise. */
const onRedis = () => process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '';

describe('An admin creates a user: POST /api/v1/users', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    admin = await loginAdmin(t.server);
  });
  afterAll(() => t.close());

  const create = (body: object, bearer = admin.bearer) =>
    request(t.server).post('/api/v1/users').set('Authorization', bearer).send(body);

  /** Whether a welcome mail job was ever queued for the user (queued before any answer, so no wait is needed). */
  async function welcomeQueued(userId: string): Promise<boolean> {
    const id = `welcome-${userId}`;
    if (!onRedis()) return t.app.get(DataSource).getRepository(JobRecord).existsBy({ id });
    const queue = new Queue('mail', {
      connection: { url: process.env.REDIS_URL },
      prefix: `{${process.env.REDIS_KEY_PREFIX}jobs}`,
    });
    try {
      return (await queue.getJob(id)) !== undefined;
    } finally {
      await queue.close();
    }
  }

  it('answers 201 with the user, role user by default, who logs in with the password and gets no welcome mail', async () => {
    const email = uniqueEmail('created');
    const res = await create({ email: `  ${email.toUpperCase()} `, name: ' Grace ', password: PASSWORD }).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'isActive',
      'name',
      'role',
      'updatedAt',
    ]);
    expect(res.body.emailVerified).toBe(false);
    expect(res.body).toMatchObject({ email, name: 'Grace', role: 'user', isActive: true });

    const tokens = await login(t.server, email, PASSWORD);
    const me = await request(t.server)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    expect(me.body).toEqual(res.body);
    await request(t.server).get('/api/v1/users').set('Authorization', `Bearer ${tokens.accessToken}`).expect(403);
    expect(await welcomeQueued(res.body.id)).toBe(false);

    // A self-registered user does get one: the check above can see a queued job.
    const registered = await registerAndLogin(t.server);
    expect(await welcomeQueued(registered.id)).toBe(true);
  });

  it('creates an admin when asked, who can then manage users', async () => {
    const email = uniqueEmail('created-admin');
    const res = await create({ email, name: 'Second Admin', role: 'admin', password: PASSWORD }).expect(201);
    expect(res.body.role).toBe('admin');

    const tokens = await login(t.server, email, PASSWORD);
    await request(t.server).get('/api/v1/users').set('Authorization', `Bearer ${tokens.accessToken}`).expect(200);
  });

  it('answers 409 email_taken for an email that exists, in any case, whoever made it', async () => {
    const registered = await registerAndLogin(t.server);
    const taken = await create({ email: registered.email.toUpperCase(), name: 'Dup', password: PASSWORD }).expect(409);
    expect(taken.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(taken.body).toMatchObject({ type: '/problems/email_taken', status: 409 });

    const email = uniqueEmail('created-twice');
    await create({ email, name: 'First', password: PASSWORD }).expect(201);
    await create({ email: email.replace(/^c/, 'C'), name: 'Second', password: PASSWORD }).expect(409);
    await request(t.server)
      .post('/api/v1/auth/register')
      .send({ email, name: 'Third', password: PASSWORD })
      .expect(409);
  });

  it.each([
    ['an unknown field', { isActive: false }, 'isActive'],
    ['a password hash', { passwordHash: 'x' }, 'passwordHash'],
    ['an unknown role', { role: 'root' }, 'role'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a short password', { password: 'short' }, 'password'],
    ['a common password', { password: 'password1' }, 'password'],
    ['a null password', { password: null }, 'password'],
  ])('answers 400 for %s, on that field', async (_case, override, field) => {
    const email = uniqueEmail('invalid');
    const res = await create({ email, name: 'Someone', password: PASSWORD, ...override }).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 403 to a non-admin and 401 without a token, and creates nothing', async () => {
    const user = await registerAndLogin(t.server);
    const email = uniqueEmail('forbidden');
    const forbidden = await create({ email, name: 'X', role: 'admin', password: PASSWORD }, user.bearer).expect(403);
    expect(forbidden.headers['content-type']).toMatch(PROBLEM_JSON);
    await request(t.server).post('/api/v1/users').send({ email, name: 'X', password: PASSWORD }).expect(401);

    await request(t.server).post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(401);
  });
});
