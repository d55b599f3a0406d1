import type * as ColumnTypes from './column-types';

/** The module picks its types once, from DATABASE_URL at load time, as the entity files do at boot. */
function columnTypesFor(databaseUrl: string | undefined): typeof ColumnTypes {
  const saved = process.env.DATABASE_URL;
  if (databaseUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = databaseUrl;
  try {
    let loaded: typeof ColumnTypes | undefined;
    jest.isolateModules(() => {
      loaded = require('./column-types') as typeof ColumnTypes;
    });
    return loaded!;
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}

const defaultOf = (options: { default?: unknown }) => (options.default as (() => string) | undefined)?.();

describe('column types per driver', () => {
  it.each(['postgres://db/app', 'postgresql://db/app'])('uses native uuid and timestamptz on %s', (url) => {
    const sut = columnTypesFor(url);

    expect(sut.uuidColumn()).toEqual({ type: 'uuid' });
    expect(sut.timestampColumn()).toEqual({ type: 'timestamptz' });
    expect(sut.createdAtColumn()).toEqual({ type: 'timestamptz' });
    expect(sut.updatedAtColumn()).toEqual({ type: 'timestamptz' });
  });

  it.each(['mysql://db/app', 'mariadb://db/app'])(
    'uses varchar(36) ids and millisecond datetimes defaulted and refreshed by the server on %s',
    (url) => {
      const sut = columnTypesFor(url);

      expect(sut.uuidColumn()).toEqual({ type: 'varchar', length: 36 });
      expect(sut.timestampColumn()).toEqual({ type: 'datetime', precision: 3 });
      const created = sut.createdAtColumn();
      expect(created).toMatchObject({ type: 'datetime', precision: 3 });
      expect(defaultOf(created)).toBe('CURRENT_TIMESTAMP(3)');
      expect(created).not.toHaveProperty('onUpdate');
      const updated = sut.updatedAtColumn();
      expect(updated).toMatchObject({ type: 'datetime', precision: 3, onUpdate: 'CURRENT_TIMESTAMP(3)' });
      expect(defaultOf(updated)).toBe('CURRENT_TIMESTAMP(3)');
    },
  );

  it.each([undefined, 'sqlite::memory:', 'sqlite:data/app.sqlite'])(
    'uses varchar(36) ids and plain datetimes on SQLite (DATABASE_URL %p)',
    (url) => {
      const sut = columnTypesFor(url);

      expect(sut.uuidColumn()).toEqual({ type: 'varchar', length: 36 });
      expect(sut.timestampColumn()).toEqual({ type: 'datetime' });
      expect(sut.createdAtColumn()).toEqual({ type: 'datetime' });
      expect(sut.updatedAtColumn()).toEqual({ type: 'datetime' });
    },
  );
});
