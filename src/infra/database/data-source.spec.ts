import type { DataSource } from 'typeorm';

describe('the migration CLI data source', () => {
  const saved = process.env.DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  });

  const load = (databaseUrl: string): DataSource => {
    process.env.DATABASE_URL = databaseUrl;
    let dataSource: DataSource | undefined;
    jest.isolateModules(() => {
      dataSource = (require('./data-source') as { default: DataSource }).default;
    });
    return dataSource!;
  };

  it('is configured from DATABASE_URL like the app, with that driver’s migrations and no synchronize', () => {
    const sut = load('postgres://app:pw@db:5432/app');

    expect(sut.isInitialized).toBe(false);
    expect(sut.options).toMatchObject({ type: 'postgres', url: 'postgres://app:pw@db:5432/app', synchronize: false });
    expect(sut.options.migrations).toEqual([expect.stringMatching(/migrations[/\\]postgres[/\\]/)]);
  });

  it('opens SQLite from a sqlite: URL', () => {
    const sut = load('sqlite::memory:');

    expect(sut.options).toMatchObject({ type: 'better-sqlite3', database: ':memory:' });
    expect(sut.options.migrations).toEqual([expect.stringMatching(/migrations[/\\]sqlite[/\\]/)]);
  });
});
