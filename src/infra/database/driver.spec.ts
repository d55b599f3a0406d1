import { databaseKindOf, isServerUrl } from './driver';

describe('databaseKindOf', () => {
  it.each([undefined, '', '  ', 'sqlite:', 'sqlite::memory:', 'sqlite:data/app.sqlite', 'sqlite:///srv/app.sqlite'])(
    'selects the embedded SQLite file for %p',
    (url) => {
      expect(databaseKindOf(url)).toBe('sqlite');
    },
  );

  it.each([
    ['postgres://u:pw@db:5432/app', 'postgres'],
    ['postgresql://u@db/app?sslmode=require', 'postgres'],
    ['POSTGRES://u@db/app', 'postgres'],
    ['mysql://root@db:3306/app', 'mysql'],
    ['mariadb://u@db/app', 'mysql'],
    [' mysql://u@db/app ', 'mysql'],
  ])('reads %s as a %s server', (url, kind) => {
    expect(databaseKindOf(url)).toBe(kind);
  });

  it.each([
    'ftp://db.example.com/app',
    'redis://cache:6379',
    'db.example.com:5432/app',
    'SQLITE:app.sqlite',
    'http://[::1',
  ])('selects no store for %s', (url) => {
    expect(databaseKindOf(url)).toBeUndefined();
  });
});

describe('isServerUrl', () => {
  it('is true for a PostgreSQL or MySQL server only', () => {
    expect(isServerUrl('postgres://u@db/app')).toBe(true);
    expect(isServerUrl('mariadb://u@db/app')).toBe(true);
    expect(isServerUrl(undefined)).toBe(false);
    expect(isServerUrl('sqlite:data/app.sqlite')).toBe(false);
    expect(isServerUrl('ftp://db/app')).toBe(false);
  });
});
