import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DataSource, DataSourceOptions, QueryRunner } from 'typeorm';
import { automock } from '@test/support/automock';
import { databaseSizeBytes, DbSizeSampler } from './db-size.sampler';

/** A data source of the given driver whose primary connection answers `size` (or fails) and records its statements. */
function fakeDataSource(type: DataSourceOptions['type'], answer: () => Promise<unknown[]>) {
  const runner = automock<QueryRunner>('QueryRunner', { query: () => answer(), release: async () => undefined });
  const dataSource = automock(DataSource, {
    options: automock<DataSourceOptions>('DataSourceOptions', { type }),
    createQueryRunner: () => runner,
  });
  return { sut: dataSource, dataSource, runner };
}

describe('databaseSizeBytes', () => {
  it("asks PostgreSQL for the current database's size on the primary", async () => {
    const { sut, dataSource, runner } = fakeDataSource('postgres', async () => [{ size: '8413999' }]);

    expect(await databaseSizeBytes(sut)).toBe(8_413_999);
    expect(dataSource.createQueryRunner).toHaveBeenCalledWith('master');
    expect(runner.query.mock.calls[0][0]).toContain('pg_database_size(current_database())');
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it.each(['mysql', 'mariadb'] as const)("adds up %s's table and index lengths of the current schema", async (type) => {
    const { sut, runner } = fakeDataSource(type, async () => [{ size: 65536 }]);

    expect(await databaseSizeBytes(sut)).toBe(65_536);
    expect(runner.query.mock.calls[0][0]).toMatch(/SUM\(data_length \+ index_length\).*table_schema = DATABASE\(\)/);
  });

  it('releases the connection when the query fails', async () => {
    const { sut, runner } = fakeDataSource('postgres', async () => {
      throw new Error('canceling statement due to statement timeout');
    });

    await expect(databaseSizeBytes(sut)).rejects.toThrow('statement timeout');
    expect(runner.release).toHaveBeenCalledTimes(1);
  });
});

describe(DbSizeSampler.name, () => {
  let warn: jest.SpyInstance;
  let size: number | Error;
  let registry: Registry;
  let sut: DbSizeSampler;

  const gaugeValue = async (of = registry) => (await of.getSingleMetric('db_size_bytes')!.get()).values[0]?.value;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    size = 4096;
    const { sut: dataSource } = fakeDataSource('postgres', async () => {
      if (size instanceof Error) throw size;
      return [{ size }];
    });
    registry = new Registry();
    sut = new DbSizeSampler(dataSource, registry);
  });
  afterEach(() => {
    sut.onModuleDestroy();
    jest.restoreAllMocks();
  });

  it('samples at boot and reports the sample on the gauge', async () => {
    await sut.onApplicationBootstrap();

    expect(sut.lastBytes).toBe(4096);
    expect(await gaugeValue()).toBe(4096);
  });

  it('keeps the last value while sampling fails, warning once until a sample succeeds again', async () => {
    await sut.onApplicationBootstrap();
    size = new Error('Connection terminated');

    await sut.sample();
    await sut.sample();
    expect(sut.lastBytes).toBe(4096);
    expect(await gaugeValue()).toBe(4096);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith({ err: size }, 'Could not sample the database size; keeping the last value');

    size = 8192;
    await sut.sample();
    size = new Error('Connection terminated again');
    await sut.sample();
    expect(sut.lastBytes).toBe(8192);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it("reports its own database's sample on its own registry, beside another application's", async () => {
    const other = {
      registry: new Registry(),
      dataSource: fakeDataSource('postgres', async () => [{ size: 1024 }]).sut,
    };
    const neighbour = new DbSizeSampler(other.dataSource, other.registry);
    await sut.onApplicationBootstrap();
    await neighbour.onApplicationBootstrap();
    neighbour.onModuleDestroy();

    expect(await gaugeValue()).toBe(4096);
    expect(await gaugeValue(other.registry)).toBe(1024);
  });

  it('reports 0 until a first sample succeeds', async () => {
    size = new Error('ECONNREFUSED');

    await sut.onApplicationBootstrap();

    expect(sut.lastBytes).toBeUndefined();
    expect(await gaugeValue()).toBe(0);
  });
});
