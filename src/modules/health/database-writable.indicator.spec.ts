import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource, DataSourceOptions } from 'typeorm';
import { automock } from '@test/support/automock';
import { DATABASE_WRITABLE_KEY, DatabaseWritableIndicator } from './database-writable.indicator';

/** A data source of the given driver whose primary pool answers `answer` to every query. */
function build(type: DataSourceOptions['type'], answer: () => Promise<unknown>) {
  const dataSource = automock(DataSource, {
    options: automock<DataSourceOptions>('DataSourceOptions', { type }),
    query: () => answer() as Promise<never>,
  });
  return { sut: new DatabaseWritableIndicator(dataSource, new HealthIndicatorService()), dataSource };
}

const READ_ONLY = 'the database server accepts no writes (a standby not yet promoted, or set read-only)';

describe(DatabaseWritableIndicator.name, () => {
  afterEach(() => jest.useRealTimers());

  it('is up on a PostgreSQL primary, asking transaction_read_only', async () => {
    const { sut, dataSource } = build('postgres', async () => [{ read_only: false }]);

    expect(sut.applies).toBe(true);
    expect(await sut.check(1500)).toEqual({
      [DATABASE_WRITABLE_KEY]: { status: 'up', responseTime: expect.any(Number) },
    });
    expect(dataSource.query).toHaveBeenCalledWith(
      "SELECT current_setting('transaction_read_only') = 'on' AS read_only",
    );
  });

  it('is down on a PostgreSQL hot standby, saying the server takes no writes', async () => {
    const { sut } = build('postgres', async () => [{ read_only: true }]);

    expect(await sut.check(1500)).toMatchObject({ [DATABASE_WRITABLE_KEY]: { status: 'down', message: READ_ONLY } });
  });

  it.each([
    ['mysql', 0, 'up'],
    ['mariadb', '0', 'up'],
    ['mysql', 1, 'down'],
    ['mariadb', '1', 'down'],
  ] as const)('reads @@global.read_only of %s = %p as %s', async (type, readOnly, status) => {
    const { sut, dataSource } = build(type, async () => [{ read_only: readOnly }]);

    expect((await sut.check(1500))[DATABASE_WRITABLE_KEY].status).toBe(status);
    expect(dataSource.query).toHaveBeenCalledWith('SELECT @@global.read_only AS read_only');
  });

  it('is down when the server answers no row at all', async () => {
    const { sut } = build('postgres', async () => []);

    expect((await sut.check(1500))[DATABASE_WRITABLE_KEY]).toMatchObject({ status: 'down', message: READ_ONLY });
  });

  it("is down with the driver's message when the question fails", async () => {
    const { sut } = build('postgres', () => Promise.reject(new Error('Connection terminated unexpectedly')));

    expect(await sut.check(1500)).toMatchObject({
      [DATABASE_WRITABLE_KEY]: { status: 'down', message: 'Connection terminated unexpectedly' },
    });
  });

  it('gives up on a server that does not answer in time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { sut } = build('postgres', () => new Promise(() => undefined));

    const pending = sut.check(1500);
    await jest.advanceTimersByTimeAsync(1500);

    expect(await pending).toMatchObject({
      [DATABASE_WRITABLE_KEY]: { status: 'down', message: 'timeout of 1500ms exceeded' },
    });
  });

  it('does not apply to the embedded SQLite file', () => {
    expect(build('better-sqlite3', () => Promise.reject(new Error('not asked'))).sut.applies).toBe(false);
  });
});
