import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';

const ROOT = resolve(__dirname, '..', '..');

// Each command starts the TypeORM CLI through ts-node; on a busy machine that takes seconds.
jest.setTimeout(120_000);

describe('migration scripts (npm run migration:*)', () => {
  let dir: string;
  let file: string;
  const npm = (script: string, ...args: string[]) => {
    const result = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const tables = async () => {
    const db = await new DataSource({ type: 'better-sqlite3', database: file, readonly: true }).initialize();
    try {
      const rows: Array<{ name: string }> = await db.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      );
      return rows.map((r) => r.name);
    } finally {
      await db.destroy();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'migration-cli-'));
    file = join(dir, 'app.sqlite');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the pending migrations, reports them, and finds the schema in step with the entities', async () => {
    const run = npm('migration:run');
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/Migration UsersAndSessions\d+ has been {1,2}executed successfully/);
    expect(run.output).toMatch(/Migration JobsQueue\d+ has been {1,2}executed successfully/);
    expect(run.output).toMatch(/Migration MailDeliveries\d+ has been {1,2}executed successfully/);
    expect(run.output).toMatch(/Migration AccountTokens\d+ has been {1,2}executed successfully/);
    expect(run.output).toMatch(/Migration SessionDetails\d+ has been {1,2}executed successfully/);
    expect(await tables()).toEqual([
      'account_tokens',
      'jobs',
      'mail_deliveries',
      'migrations',
      'refresh_tokens',
      'sessions',
      'users',
    ]);

    const generate = npm('migration:generate', 'ShouldNotExist');
    expect(generate.output).toContain('No changes in database schema were found');
  });

  it('reverts the last migration, one at a time', async () => {
    const details = npm('migration:revert');
    expect(details.code).toBe(0);
    expect(details.output).toMatch(/Migration SessionDetails\d+ has been {1,2}reverted successfully/);
    expect(await tables()).toEqual([
      'account_tokens',
      'jobs',
      'mail_deliveries',
      'migrations',
      'refresh_tokens',
      'sessions',
      'users',
    ]);

    const tokens = npm('migration:revert');
    expect(tokens.code).toBe(0);
    expect(tokens.output).toMatch(/Migration AccountTokens\d+ has been {1,2}reverted successfully/);
    expect(await tables()).toEqual(['jobs', 'mail_deliveries', 'migrations', 'refresh_tokens', 'sessions', 'users']);

    const mail = npm('migration:revert');
    expect(mail.code).toBe(0);
    expect(mail.output).toMatch(/Migration MailDeliveries\d+ has been {1,2}reverted successfully/);
    expect(await tables()).toEqual(['jobs', 'migrations', 'refresh_tokens', 'sessions', 'users']);

    const jobs = npm('migration:revert');
    expect(jobs.code).toBe(0);
    expect(jobs.output).toMatch(/Migration JobsQueue\d+ has been {1,2}reverted successfully/);
    expect(await tables()).toEqual(['migrations', 'refresh_tokens', 'sessions', 'users']);

    const revert = npm('migration:revert');
    expect(revert.code).toBe(0);
    expect(revert.output).toMatch(/Migration UsersAndSessions\d+ has been {1,2}reverted successfully/);
    expect(await tables()).toEqual(['migrations']);
  });

  it('refuses a migration name that is not PascalCase', () => {
    const generate = npm('migration:generate', 'drop table users;');
    expect(generate.code).toBe(1);
    expect(generate.output).toContain('Usage: npm run migration:generate -- <PascalCaseName>');
  });
});
