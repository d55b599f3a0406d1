import request from 'supertest';
import { DataSource } from 'typeorm';
import { AdminBootstrapService } from '@/modules/users/admin-bootstrap.service';
import { User } from '@/modules/users/entities/user.entity';
import { createTestApp, TestApp } from '@test/support/test-app';
import { ADMIN, authEnv } from '@test/factories/auth.factory';

/**
 * The app drives MariaDB with TypeORM's `mysql` type, whose introspection reads MariaDB's
 * `DEFAULT NULL` as the string 'NULL' and reports every nullable column as changed. The
 * comparison therefore inspects a MariaDB server through the `mariadb` type.
 */
async function schemaInspector(dataSource: DataSource): Promise<DataSource> {
  if (dataSource.options.type !== 'mysql') return dataSource;
  const [{ version }] = await dataSource.query('SELECT VERSION() AS version');
  if (!/mariadb/i.test(String(version))) return dataSource;
  return new DataSource({ ...dataSource.options, type: 'mariadb' }).initialize();
}

describe('Users schema and first admin', () => {
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    dataSource = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  it(`leaves nothing for the entities to change after the migrations ran (driver under test: ${
    process.env.TEST_DB === 'external' ? 'DATABASE_URL' : 'sqlite'
  })`, async () => {
    const inspector = await schemaInspector(dataSource);
    try {
      const pending = await inspector.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      if (inspector !== dataSource) await inspector.destroy();
    }
    const names = ['users', 'sessions', 'refresh_tokens', 'account_tokens', 'mail_deliveries'];
    const tables = (await dataSource.createQueryRunner().getTables(names)).map((table) => table.name.split('.').pop());
    expect(tables.sort()).toEqual([...names].sort());
  });

  it('created the admin from ADMIN_EMAIL/ADMIN_PASSWORD at boot', async () => {
    const res = await request(t.server).post('/api/v1/auth/login').send(ADMIN).expect(200);
    const me = await request(t.server).get('/api/v1/users/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.body).toMatchObject({ email: ADMIN.email, role: 'admin', isActive: true });
  });

  it('creates exactly one admin when several instances boot at once, and none of them fails', async () => {
    const users = dataSource.getRepository(User);
    await users.delete({ email: ADMIN.email });
    const bootstrap = t.app.get(AdminBootstrapService);

    await expect(Promise.all([1, 2, 3].map(() => bootstrap.onApplicationBootstrap()))).resolves.toBeDefined();
    expect(await users.countBy({ email: ADMIN.email })).toBe(1);
    await bootstrap.onApplicationBootstrap();
    expect(await users.countBy({ email: ADMIN.email })).toBe(1);
  });

  it('never promotes an existing non-admin account that holds ADMIN_EMAIL', async () => {
    const users = dataSource.getRepository(User);
    await users.update({ email: ADMIN.email }, { role: 'user' });
    await t.app.get(AdminBootstrapService).onApplicationBootstrap();
    expect((await users.findOneByOrFail({ email: ADMIN.email })).role).toBe('user');
  });

  it('enforces unique emails in the database, not only in the service', async () => {
    const users = dataSource.getRepository(User);
    const row = (email: string) =>
      users.create({
        id: crypto.randomUUID(),
        email,
        name: 'Dup',
        role: 'user',
        isActive: true,
        passwordHash: 'x',
        sessionsValidAfter: new Date(0),
      });
    await users.insert(row('dup@example.com'));
    await expect(users.insert(row('dup@example.com'))).rejects.toThrow();
  });
});
