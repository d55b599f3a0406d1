import { DataSource, DataSourceOptions, Driver } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver.js';
import { OracleDriver } from 'typeorm/driver/oracle/OracleDriver.js';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { automock } from '@test/support/automock';
import { poolSnapshots } from './db-pool';

/** A data source of `type` on `driver`: a mock of TypeORM's driver class, holding only the pools given. */
const dataSource = (type: DataSourceOptions['type'], driver: Driver) =>
  automock(DataSource, {
    isInitialized: true,
    options: automock<DataSourceOptions>('DataSourceOptions', { type }),
    driver,
  });

describe('poolSnapshots on drivers that expose less', () => {
  it('reports a pg pool without a configured ceiling as max 0', () => {
    const master = { totalCount: 2, idleCount: 1, waitingCount: 0 };

    expect(poolSnapshots(dataSource('postgres', automock(PostgresDriver, { master })))).toEqual([
      { pool: 'primary', total: 2, idle: 1, waiting: 0, max: 0 },
    ]);
  });

  it('reports no pg pools before the driver has created its master pool', () => {
    expect(poolSnapshots(dataSource('postgres', automock(PostgresDriver)))).toEqual([]);
  });

  it('reads MariaDB like MySQL, counting queues mysql2 does not have as 0', () => {
    expect(poolSnapshots(dataSource('mariadb', automock(MysqlDriver, { pool: {} })))).toEqual([
      { pool: 'primary', total: 0, idle: 0, waiting: 0, max: 0 },
    ]);
  });

  it('reports nothing for a mysql2 pool cluster that has no nodes yet, or no cluster at all', () => {
    expect(poolSnapshots(dataSource('mysql', automock(MysqlDriver, { poolCluster: {} })))).toEqual([]);
    expect(poolSnapshots(dataSource('mysql', automock(MysqlDriver)))).toEqual([]);
  });

  it('adds several mysql2 replica nodes up into one replica pool', () => {
    const node = (all: number, free: number) => ({
      pool: { _allConnections: { length: all }, _freeConnections: { length: free }, config: { connectionLimit: 5 } },
    });
    const poolCluster = { _nodes: { SLAVE0: node(2, 1), SLAVE1: node(3, 0) } };

    expect(poolSnapshots(dataSource('mysql', automock(MysqlDriver, { poolCluster })))).toEqual([
      { pool: 'replica', total: 5, idle: 1, waiting: 0, max: 10 },
    ]);
  });

  it('reports a closed or missing SQLite connection as no connection at all', () => {
    expect(
      poolSnapshots(
        dataSource('better-sqlite3', automock(BetterSqlite3Driver, { databaseConnection: { open: false } })),
      ),
    ).toEqual([{ pool: 'primary', total: 0, idle: 0, waiting: 0, max: 1 }]);
    expect(poolSnapshots(dataSource('better-sqlite3', automock(BetterSqlite3Driver)))).toEqual([
      { pool: 'primary', total: 0, idle: 0, waiting: 0, max: 1 },
    ]);
  });

  it('reports nothing for a driver it does not know', () => {
    expect(poolSnapshots(dataSource('oracle', automock(OracleDriver, { master: {} })))).toEqual([]);
  });
});
