import { Client } from 'pg';
import { AppProcess, startApp } from '@tools/app-process';
import { freshDatabase, TestDatabase } from '@test/support/database';

describe('migrations when replicas boot together', () => {
  let database: TestDatabase;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await database.drop();
  });

  it('migrates a fresh PostgreSQL database exactly once and every instance becomes ready', async () => {
    const env = { DATABASE_URL: database.url, LOG_LEVEL: 'info' };
    apps.push(...(await Promise.all([1, 2, 3].map(() => startApp({ env })))));
    await Promise.all(apps.map((app) => app.waitUntilReady(60_000)));
    await Promise.all(apps.map((app) => app.logsWritten()));

    const applied = apps.filter((app) => app.output.some((line) => line.includes('Applied ')));
    const upToDate = apps.filter((app) => app.output.some((line) => line.includes('Schema is up to date')));
    expect(applied).toHaveLength(1);
    expect(upToDate).toHaveLength(2);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; runs: string }>(
        'SELECT name, count(*) AS runs FROM migrations GROUP BY name',
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => Number(row.runs) === 1)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
