import type { Server } from 'node:http';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { rebootableDatabase, TestDatabase } from '@test/support/database';
import {
  ADMIN,
  authEnv,
  login,
  loginAdmin,
  registerAndLogin,
  SignedIn,
  uniqueEmail,
} from '@test/factories/auth.factory';

const PROBLEM_JSON = /^application\/problem\+json/;
const ROUNDS = 4;

const patchUser = (server: Server, bearer: string, id: string, body: object) =>
  request(server).patch(`/api/v1/users/${id}`).set('Authorization', bearer).send(body);
const deleteUser = (server: Server, bearer: string, id: string) =>
  request(server).delete(`/api/v1/users/${id}`).set('Authorization', bearer);

/** A freshly registered user, promoted by `by` and signed in again with the admin role. */
async function newAdmin(server: Server, by: SignedIn): Promise<SignedIn> {
  const someone = await registerAndLogin(server, { name: 'Second Admin' });
  await patchUser(server, by.bearer, someone.id, { role: 'admin' }).expect(200);
  return someone;
}

async function activeAdminIds(server: Server, bearer: string): Promise<string[]> {
  const res = await request(server).get('/api/v1/users?role=admin&limit=100').set('Authorization', bearer).expect(200);
  return (res.body.data as Array<{ id: string; isActive: boolean }>).filter((u) => u.isActive).map((u) => u.id);
}

function expectLastAdminProblem(res: request.Response): void {
  expect(res.status).toBe(409);
  expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
  expect(res.body).toMatchObject({ type: '/problems/last_admin', status: 409 });
  expect(res.body.detail).toMatch(/last active admin/);
}

describe('The last active admin', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
  });
  afterAll(() => t.close());

  describe('while it is the only one', () => {
    let root: SignedIn;

    beforeAll(async () => {
      root = await loginAdmin(t.server);
      expect(await activeAdminIds(t.server, root.bearer)).toEqual([root.id]);
    });

    it('cannot demote itself (409 last_admin) and stays an admin', async () => {
      expectLastAdminProblem(await patchUser(t.server, root.bearer, root.id, { role: 'user' }));
      const me = await request(t.server).get('/api/v1/users/me').set('Authorization', root.bearer).expect(200);
      expect(me.body).toMatchObject({ role: 'admin', isActive: true });
    });

    it('cannot deactivate itself, and its sessions are not revoked', async () => {
      expectLastAdminProblem(await patchUser(t.server, root.bearer, root.id, { isActive: false }));
      expectLastAdminProblem(await patchUser(t.server, root.bearer, root.id, { role: 'admin', isActive: false }));
      await request(t.server).get('/api/v1/users/me').set('Authorization', root.bearer).expect(200);
      await request(t.server).post('/api/v1/auth/refresh').send({ refreshToken: root.tokens.refreshToken }).expect(200);
    });

    it('cannot delete itself, and its tokens keep working', async () => {
      const fresh = await loginAdmin(t.server);
      expectLastAdminProblem(await deleteUser(t.server, fresh.bearer, fresh.id));
      await request(t.server).get('/api/v1/users/me').set('Authorization', fresh.bearer).expect(200);
      await request(t.server)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: fresh.tokens.refreshToken })
        .expect(200);
    });

    it('still renames itself, and still demotes, deactivates and deletes plain users', async () => {
      const fresh = await loginAdmin(t.server);
      await patchUser(t.server, fresh.bearer, fresh.id, { name: 'Root', role: 'admin', isActive: true }).expect(200);
      const plain = await registerAndLogin(t.server);
      await patchUser(t.server, fresh.bearer, plain.id, { role: 'user', isActive: false }).expect(200);
      await deleteUser(t.server, fresh.bearer, plain.id).expect(204);
    });

    it('is not rescued by an admin that is deactivated', async () => {
      const fresh = await loginAdmin(t.server);
      const other = await newAdmin(t.server, fresh);
      await patchUser(t.server, fresh.bearer, other.id, { isActive: false }).expect(200);
      expectLastAdminProblem(await patchUser(t.server, fresh.bearer, fresh.id, { role: 'user' }));
      await deleteUser(t.server, fresh.bearer, other.id).expect(204);
      expect(await activeAdminIds(t.server, fresh.bearer)).toEqual([fresh.id]);
    });

    it('answers 404, not 409, for an id that does not exist', async () => {
      const fresh = await loginAdmin(t.server);
      const missing = '00000000-0000-4000-8000-000000000000';
      await patchUser(t.server, fresh.bearer, missing, { role: 'user' }).expect(404);
      await deleteUser(t.server, fresh.bearer, missing).expect(404);
    });
  });

  describe('with two active admins', () => {
    /** The admin left standing by the previous test; every test starts from exactly one. */
    let survivor: SignedIn;

    beforeAll(async () => {
      survivor = await loginAdmin(t.server);
    });

    /** Two new admins, A and B, and the survivor demoted: A and B are the only active admins. */
    async function pair(): Promise<[SignedIn, SignedIn]> {
      const a = await newAdmin(t.server, survivor);
      const b = await newAdmin(t.server, survivor);
      await patchUser(t.server, survivor.bearer, survivor.id, { role: 'user' }).expect(200);
      expect(new Set(await activeAdminIds(t.server, a.bearer))).toEqual(new Set([a.id, b.id]));
      return [a, b];
    }

    async function onlyActiveAdmin(candidates: SignedIn[]): Promise<SignedIn> {
      for (const c of candidates) {
        const me = await request(t.server).get('/api/v1/users/me').set('Authorization', c.bearer);
        if (me.status !== 200 || me.body.role !== 'admin' || !me.body.isActive) continue;
        expect(await activeAdminIds(t.server, c.bearer)).toEqual([c.id]);
        return c;
      }
      throw new Error('no active admin is left');
    }

    it('lets one demote, deactivate or delete the other, and then refuses the last one', async () => {
      const [a, b] = await pair();
      await patchUser(t.server, a.bearer, b.id, { role: 'user' }).expect(200);
      expectLastAdminProblem(await patchUser(t.server, a.bearer, a.id, { role: 'user' }));

      const c = await newAdmin(t.server, a);
      await patchUser(t.server, c.bearer, a.id, { isActive: false }).expect(200);
      expectLastAdminProblem(await patchUser(t.server, c.bearer, c.id, { isActive: false }));

      const d = await newAdmin(t.server, c);
      await deleteUser(t.server, d.bearer, c.id).expect(204);
      expectLastAdminProblem(await deleteUser(t.server, d.bearer, d.id));
      survivor = await onlyActiveAdmin([d]);
    });

    it('lets exactly one of two admins demoting themselves at the same moment succeed', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await pair();
        const results = await Promise.all([
          patchUser(t.server, a.bearer, a.id, { role: 'user' }),
          patchUser(t.server, b.bearer, b.id, { role: 'user' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        expectLastAdminProblem(results.find((r) => r.status === 409)!);
        survivor = await onlyActiveAdmin([a, b]);
      }
    });

    it('lets exactly one of two admins deleting themselves at the same moment succeed', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await pair();
        const results = await Promise.all([deleteUser(t.server, a.bearer, a.id), deleteUser(t.server, b.bearer, b.id)]);
        expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
        expectLastAdminProblem(results.find((r) => r.status === 409)!);
        survivor = await onlyActiveAdmin([a, b]);
      }
    });

    // The loser answers 409 when both requests passed authentication before either wrote;
    // one that arrives after the winner committed is refused earlier, as a non-admin (403)
    // or as a deleted user (401). Either way exactly one admin must remain.
    it('lets exactly one of two admins demoting or deactivating each other at the same moment succeed', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await pair();
        const results = await Promise.all([
          patchUser(t.server, a.bearer, b.id, { role: 'user' }),
          patchUser(t.server, b.bearer, a.id, { isActive: false }),
        ]);
        expect(results.filter((r) => r.status === 200)).toHaveLength(1);
        const refused = results.find((r) => r.status !== 200)!;
        expect([409, 401, 403]).toContain(refused.status);
        if (refused.status === 409) expectLastAdminProblem(refused);
        survivor = await onlyActiveAdmin([a, b]);
      }
    });

    it('lets exactly one of two admins deleting each other at the same moment succeed', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = await pair();
        const results = await Promise.all([deleteUser(t.server, a.bearer, b.id), deleteUser(t.server, b.bearer, a.id)]);
        expect(results.filter((r) => r.status === 204)).toHaveLength(1);
        const refused = results.find((r) => r.status !== 204)!;
        expect([409, 401]).toContain(refused.status);
        if (refused.status === 409) expectLastAdminProblem(refused);
        survivor = await onlyActiveAdmin([a, b]);
      }
    });
  });
});

describe('ADMIN_EMAIL at a later boot', () => {
  let database: TestDatabase;
  let t: TestApp | undefined;
  const boot = async (env: Record<string, string> = {}) => {
    await t?.close();
    t = await createTestApp({ env: authEnv(env), database });
    return t.server;
  };

  beforeAll(async () => {
    database = await rebootableDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await database.drop();
  });

  it('never restores an admin that another admin demoted or deactivated; a new ADMIN_EMAIL adds an admin', async () => {
    let server = await boot();
    const root = await loginAdmin(server);
    const other = await newAdmin(server, root);
    await patchUser(server, other.bearer, root.id, { role: 'user' }).expect(200);

    server = await boot();
    const demoted = await login(server, ADMIN.email, ADMIN.password);
    const me = await request(server).get('/api/v1/users/me').set('Authorization', `Bearer ${demoted.accessToken}`);
    expect(me.body).toMatchObject({ id: root.id, role: 'user', isActive: true });

    const second = await login(server, other.email, other.password);
    await patchUser(server, `Bearer ${second.accessToken}`, root.id, { role: 'admin', isActive: false }).expect(200);

    server = await boot();
    await request(server).post('/api/v1/auth/login').send(ADMIN).expect(401);

    const recovery = { email: uniqueEmail('recovery'), password: 'recovery-password-123' };
    server = await boot({ ADMIN_EMAIL: recovery.email, ADMIN_PASSWORD: recovery.password });
    const tokens = await login(server, recovery.email, recovery.password);
    const recovered = await request(server)
      .get('/api/v1/users/me')
      .set('Authorization', `Bearer ${tokens.accessToken}`);
    expect(recovered.body).toMatchObject({ email: recovery.email, role: 'admin', isActive: true });
    await patchUser(server, `Bearer ${tokens.accessToken}`, root.id, { isActive: true }).expect(200);
    await login(server, ADMIN.email, ADMIN.password);
  });
});
