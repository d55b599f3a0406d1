import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@/config/configuration';
import { buildDataSourceOptions, QUERY_TIMEOUT_MARGIN_MS } from './data-source-options';
import { PgClient } from './pg-client';
import { QueryLogger } from './query-logger';

/** The driver itself (it ships no types): just what the pragma test calls. */
const Database = require('better-sqlite3') as new (file: string) => {
  pragma(sql: string, options?: { simple: boolean }): unknown;
  close(): void;
};

const databaseConfig = (overrides: Partial<DatabaseConfig> = {}): DatabaseConfig => ({
  kind: 'postgres',
  url: 'postgres://app:pw@db:5432/app',
  sqlitePath: undefined,
  readUrls: [],
  poolSize: 25,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 10_000,
  slowQueryMs: 300,
  ...overrides,
});

describe('buildDataSourceOptions', () => {
  it.each(['sqlite', 'postgres', 'mysql'] as const)(
    'never synchronizes %s, and runs only that driver’s migrations, with the query logger',
    (kind) => {
      const sut = buildDataSourceOptions(databaseConfig({ kind, sqlitePath: ':memory:' }));

      expect(sut).toMatchObject({ synchronize: false, migrationsRun: false, migrationsTableName: 'migrations' });
      expect(sut.migrations).toEqual([
        expect.stringMatching(new RegExp(`migrations[/\\\\]${kind}[/\\\\]\\*\\.\\{ts,js\\}$`)),
      ]);
      expect(sut.entities).toEqual([
        expect.stringMatching(/modules[/\\]\*\*[/\\]\*\.entity\.\{ts,js\}$/),
        expect.stringMatching(/infra[/\\]jobs[/\\]\*\.entity\.\{ts,js\}$/),
        expect.stringMatching(/infra[/\\]mail[/\\]entities[/\\]\*\.entity\.\{ts,js\}$/),
      ]);
      expect(sut.maxQueryExecutionTime).toBe(300);
      expect(sut.logger).toBeInstanceOf(QueryLogger);
    },
  );

  describe('PostgreSQL', () => {
    it('bounds the pool, the connect wait and every statement, and names the application', () => {
      const sut = buildDataSourceOptions(databaseConfig());

      expect(sut).toMatchObject({
        type: 'postgres',
        url: 'postgres://app:pw@db:5432/app',
        extra: {
          max: 25,
          connectionTimeoutMillis: 5_000,
          statement_timeout: 10_000,
          query_timeout: 10_000 + QUERY_TIMEOUT_MARGIN_MS,
          idle_in_transaction_session_timeout: 20_000,
          keepAlive: true,
          application_name: 'nest-enterprise-backend',
          Client: PgClient,
        },
      });
      expect(sut).not.toHaveProperty('replication');
    });

    it('opens a pool per read replica, and keeps reads on the primary unless asked', () => {
      const readUrls = ['postgres://app:pw@replica-1:5432/app', 'postgres://app:pw@replica-2:5432/app'];

      const sut = buildDataSourceOptions(databaseConfig({ readUrls }));

      expect(sut).toMatchObject({
        replication: {
          master: { url: 'postgres://app:pw@db:5432/app' },
          slaves: readUrls.map((url) => ({ url })),
          defaultMode: 'master',
        },
      });
      expect(sut).not.toHaveProperty('url');
    });
  });

  describe('MySQL', () => {
    it('speaks utf8mb4 in UTC with a bounded pool', () => {
      const sut = buildDataSourceOptions(databaseConfig({ kind: 'mysql', url: 'mysql://app:pw@db:3306/app' }));

      expect(sut).toMatchObject({
        type: 'mysql',
        url: 'mysql://app:pw@db:3306/app',
        charset: 'utf8mb4_unicode_ci',
        timezone: 'Z',
        extra: { connectionLimit: 25, connectTimeout: 5_000 },
      });
    });

    it('opens a pool per read replica, with the primary as default', () => {
      const sut = buildDataSourceOptions(
        databaseConfig({ kind: 'mysql', url: 'mysql://db/app', readUrls: ['mysql://replica/app'] }),
      );

      expect(sut).toMatchObject({
        replication: {
          master: { url: 'mysql://db/app' },
          slaves: [{ url: 'mysql://replica/app' }],
          defaultMode: 'master',
        },
      });
    });
  });

  describe('SQLite', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'sqlite-options-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("creates the database file's directory, and turns on WAL without an fsync per commit, a busy timeout and foreign keys", () => {
      const database = join(dir, 'nested', 'app.sqlite');
      const pragmas: string[] = [];

      const sut = buildDataSourceOptions(databaseConfig({ kind: 'sqlite', url: undefined, sqlitePath: database }));
      if (sut.type !== 'better-sqlite3') throw new Error(`expected better-sqlite3, got ${sut.type}`);
      void sut.prepareDatabase!({ pragma: (sql: string) => pragmas.push(sql) });

      expect(sut.database).toBe(database);
      expect(statSync(join(dir, 'nested')).isDirectory()).toBe(true);
      expect(pragmas).toEqual([
        'journal_mode = WAL',
        'synchronous = NORMAL',
        'busy_timeout = 5000',
        'foreign_keys = ON',
      ]);
    });

    it('leaves a real database file in WAL mode with synchronous = NORMAL', () => {
      const file = join(dir, 'real.sqlite');
      const sut = buildDataSourceOptions(databaseConfig({ kind: 'sqlite', url: undefined, sqlitePath: file }));
      if (sut.type !== 'better-sqlite3') throw new Error(`expected better-sqlite3, got ${sut.type}`);
      const conn = new Database(file);
      try {
        void sut.prepareDatabase!(conn);
        expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
        // 1 = NORMAL (2, the default, would fsync on every commit)
        expect(conn.pragma('synchronous', { simple: true })).toBe(1);
      } finally {
        conn.close();
      }
    });

    it('keeps an in-memory database in memory', () => {
      const sut = buildDataSourceOptions(databaseConfig({ kind: 'sqlite', url: undefined, sqlitePath: ':memory:' }));

      expect(sut).toMatchObject({ type: 'better-sqlite3', database: ':memory:' });
    });

    it('defaults to data/app.sqlite when no path is configured', () => {
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const sut = buildDataSourceOptions(databaseConfig({ kind: 'sqlite', url: undefined, sqlitePath: undefined }));

        expect(sut).toMatchObject({ database: 'data/app.sqlite' });
        expect(statSync(join(dir, 'data')).isDirectory()).toBe(true);
      } finally {
        process.chdir(cwd);
      }
    });
  });
});
