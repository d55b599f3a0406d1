import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { AppProcess, startApp } from '@tools/app-process';

/** The machine's MariaDB (or MySQL); `test:cluster` otherwise runs on PostgreSQL via DATABASE_URL. */
const SERVER_URL = process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function connect(database?: string): Promise<Connection> {
  const mysql = await import('mysql2/promise');
  const url = new URL(SERVER_URL);
  if (database) url.pathname = `/${database}`;
  return mysql.createConnection({ uri: url.toString(), timezone: 'Z', dateStrings: true });
}

describe('MySQL/MariaDB: replicas booting together, and the stored data', () => {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const apps: AppProcess[] = [];
  let db: Connection;

  beforeAll(async () => {
    const admin = await connect();
    try {
      await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
    db = await connect(name);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await db?.end();
    const admin = await connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await admin.end();
    }
  });

  it('migrates a fresh database exactly once under GET_LOCK, and every instance becomes ready', async () => {
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString(), LOG_LEVEL: 'info' };
    apps.push(...(await Promise.all([1, 2, 3].map(() => startApp({ env })))));
    await Promise.all(apps.map((app) => app.waitUntilReady(60_000)));
    await Promise.all(apps.map((app) => app.logsWritten()));

    const applied = apps.filter((app) => app.output.some((line) => line.includes('Applied ')));
    const upToDate = apps.filter((app) => app.output.some((line) => line.includes('Schema is up to date')));
    expect(applied).toHaveLength(1);
    expect(upToDate).toHaveLength(2);
    const [rows] = await db.query('SELECT name, COUNT(*) AS runs FROM migrations GROUP BY name');
    const runs = rows as Array<{ name: string; runs: number }>;
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((row) => Number(row.runs) === 1)).toBe(true);
  });

  it('keeps emails unique after normalisation and compared exactly, ids as uuids and timestamps in UTC', async () => {
    const email = `Ada.${randomBytes(3).toString('hex')}@Example.COM`;
    const register = (app: AppProcess, address: string) =>
      fetch(`${app.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: address, password: 'correct-horse-battery', name: 'Ada' }),
      });

    const before = Date.now();
    const created = await register(apps[0], email);
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; email: string; createdAt: string };
    expect(user.email).toBe(email.toLowerCase());
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await register(apps[1], email.toUpperCase())).status).toBe(409);

    // The database itself refuses the same normalised address, and compares exactly
    // (utf8mb4_bin): an accented variant is another address, not a duplicate.
    const insert = (address: string) =>
      db.query(
        "INSERT INTO users (id, email, name, password_hash, sessions_valid_after) VALUES (UUID(), ?, 'x', 'x', '1970-01-01')",
        [address],
      );
    await expect(insert(email.toLowerCase())).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    await expect(insert(email.toLowerCase().replace('ada.', 'ad\u00e1.'))).resolves.toBeDefined();

    // Stored as UTC wall-clock time, with milliseconds: the API's ISO instant is the stored value plus 'Z'.
    const [rows] = await db.query('SELECT created_at FROM users WHERE id = ?', [user.id]);
    const stored = (rows as Array<{ created_at: string }>)[0].created_at;
    expect(`${stored.replace(' ', 'T')}Z`).toBe(user.createdAt);
    expect(Math.abs(new Date(user.createdAt).getTime() - before)).toBeLessThan(60_000);
  });
});
