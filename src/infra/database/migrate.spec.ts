import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions, Migration, QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '@/config/configuration';
import { automock } from '@test/support/automock';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';

const fakeLogger = () => automock(Logger, { log: () => undefined });

/** A data source of the given driver whose lock connection records every statement, in order, beside the migration run. */
function fakeDataSource(type: 'postgres' | 'mysql', options: { lockRows?: unknown[]; migrationError?: Error } = {}) {
  const calls: string[] = [];
  const runner = automock<QueryRunner>('QueryRunner', {
    connect: async () => void calls.push('connect'),
    release: async () => void calls.push('release'),
    query: async (sql, params) => {
      calls.push(`${sql} ${JSON.stringify(params)}`);
      return sql.includes('GET_LOCK') ? (options.lockRows ?? [{ acquired: 1 }]) : [];
    },
  });
  const dataSource = automock(DataSource, {
    options: automock<DataSourceOptions>('DataSourceOptions', { type }),
    createQueryRunner: () => runner,
    runMigrations: async () => {
      calls.push('runMigrations');
      if (options.migrationError) throw options.migrationError;
      return [{ name: 'UsersAndSessions1764320000000' } as Migration];
    },
  });
  return { sut: dataSource, dataSource, calls };
}

describe('runMigrationsExclusively', () => {
  it('migrates PostgreSQL under an advisory lock held on the primary, then unlocks and releases', async () => {
    const { sut, dataSource, calls } = fakeDataSource('postgres');
    const logger = fakeLogger();

    const applied = await runMigrationsExclusively(sut, logger);

    expect(applied.map((m) => m.name)).toEqual(['UsersAndSessions1764320000000']);
    expect(dataSource.createQueryRunner).toHaveBeenCalledWith('master');
    expect(calls).toEqual([
      'connect',
      'SELECT pg_advisory_lock($1) [727274001]',
      'runMigrations',
      'SELECT pg_advisory_unlock($1) [727274001]',
      'release',
    ]);
    expect(dataSource.runMigrations).toHaveBeenCalledWith({ transaction: 'each' });
    expect(logger.log).toHaveBeenCalledWith('Applied 1 migration(s): UsersAndSessions1764320000000');
  });

  it('migrates MySQL under GET_LOCK, waiting up to five minutes, then RELEASE_LOCK', async () => {
    const { sut, calls } = fakeDataSource('mysql');

    await runMigrationsExclusively(sut, fakeLogger());

    expect(calls).toEqual([
      'connect',
      'SELECT GET_LOCK(?, ?) AS acquired ["nest_enterprise_backend_migrations",300]',
      'runMigrations',
      'SELECT RELEASE_LOCK(?) ["nest_enterprise_backend_migrations"]',
      'release',
    ]);
  });

  it.each(['postgres', 'mysql'] as const)('releases the %s lock when a migration fails, and rethrows', async (type) => {
    const { sut, calls } = fakeDataSource(type, { migrationError: new Error('syntax error at or near "TABEL"') });

    await expect(runMigrationsExclusively(sut, fakeLogger())).rejects.toThrow('syntax error');

    expect(calls.slice(2)).toEqual([
      'runMigrations',
      expect.stringMatching(/^SELECT (pg_advisory_unlock|RELEASE_LOCK)/),
      'release',
    ]);
  });

  it.each([
    ['0 (timed out)', [{ acquired: 0 }]],
    ['NULL (failed)', [{ acquired: null }]],
    ['no row', []],
  ])('gives up without migrating when GET_LOCK answers %s', async (_, lockRows) => {
    const { sut, calls } = fakeDataSource('mysql', { lockRows });

    await expect(runMigrationsExclusively(sut, fakeLogger())).rejects.toThrow(
      'Timed out waiting for the migration lock',
    );

    expect(calls).not.toContain('runMigrations');
    expect(calls.at(-1)).toBe('release');
  });

  describe('on SQLite', () => {
    const sqlite: DatabaseConfig = {
      kind: 'sqlite',
      url: undefined,
      sqlitePath: ':memory:',
      readUrls: [],
      poolSize: 1,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 1_000,
      slowQueryMs: 500,
    };
    let dataSource: DataSource;

    beforeEach(async () => {
      dataSource = await new DataSource(buildDataSourceOptions(sqlite)).initialize();
    });
    afterEach(() => dataSource.destroy());

    it('migrates without a lock once, then finds the schema up to date', async () => {
      const createQueryRunner = jest.spyOn(dataSource, 'createQueryRunner');
      const logger = fakeLogger();

      const first = await runMigrationsExclusively(dataSource, logger);
      const second = await runMigrationsExclusively(dataSource, logger);

      expect(first.length).toBeGreaterThan(0);
      expect(second).toEqual([]);
      expect(logger.log.mock.calls.map(([message]) => message)).toEqual([
        expect.stringMatching(/^Applied \d+ migration\(s\): /),
        'Schema is up to date',
      ]);
      expect(createQueryRunner).not.toHaveBeenCalledWith('master');
      expect(await dataSource.query('SELECT count(*) AS n FROM users')).toEqual([{ n: 0 }]);
    });
  });
});
