import { DataSource, DataSourceOptions, Driver } from 'typeorm';
import { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver.js';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { automock } from '@test/support/automock';
import { poolSnapshots } from './db-pool';

/** A data source of `type` on `driver`: a mock of TypeORM's driver class, holding only the pools given. */
const dataSource = (type: DataSourceOptions['type'], driver: Driver, isInitialized = true) =>
  automock(DataSource, { isInitialized, options: automock<DataSourceOptions>('DataSourceOptions', { type }), driver });

const pgPool = (total: number, idle: number, waiting: number, max = 10) => ({
  totalCount: total,
  idleCount: idle,
  waitingCount: waiting,
  options: { max },
});
const queue = (length: number) => ({ length });
const mysqlPool = (all: number, free: number, queued: number, limit = 10) => ({
  _allConnections: queue(all),
  _freeConnections: queue(free),
  _connectionQueue: queue(queued),
  config: { connectionLimit: limit },
});

describe('poolSnapshots', () => {
  it("reads pg's pool counters, adding replica pools up into one", () => {
    const sut = dataSource(
      'postgres',
      automock(PostgresDriver, { master: pgPool(4, 1, 2), slaves: [pgPool(3, 3, 0, 5), pgPool(2, 0, 1, 5)] }),
    );
    expect(poolSnapshots(sut)).toEqual([
      { pool: 'primary', total: 4, idle: 1, waiting: 2, max: 10 },
      { pool: 'replica', total: 5, idle: 3, waiting: 1, max: 10 },
    ]);
  });

  it("reads mysql2's pool, and the MASTER and SLAVE nodes of its pool cluster", () => {
    expect(poolSnapshots(dataSource('mysql', automock(MysqlDriver, { pool: mysqlPool(3, 2, 0) })))).toEqual([
      { pool: 'primary', total: 3, idle: 2, waiting: 0, max: 10 },
    ]);
    const cluster = { _nodes: { MASTER: { pool: mysqlPool(5, 0, 7) }, SLAVE0: { pool: mysqlPool(1, 1, 0, 4) } } };
    expect(poolSnapshots(dataSource('mysql', automock(MysqlDriver, { poolCluster: cluster })))).toEqual([
      { pool: 'primary', total: 5, idle: 0, waiting: 7, max: 10 },
      { pool: 'replica', total: 1, idle: 1, waiting: 0, max: 4 },
    ]);
  });

  it("reports SQLite's single connection as busy only inside a transaction", () => {
    const idle = dataSource(
      'better-sqlite3',
      automock(BetterSqlite3Driver, { databaseConnection: { open: true, inTransaction: false } }),
    );
    const busy = dataSource(
      'better-sqlite3',
      automock(BetterSqlite3Driver, { databaseConnection: { open: true, inTransaction: true } }),
    );
    expect(poolSnapshots(idle)).toEqual([{ pool: 'primary', total: 1, idle: 1, waiting: 0, max: 1 }]);
    expect(poolSnapshots(busy)).toEqual([{ pool: 'primary', total: 1, idle: 0, waiting: 0, max: 1 }]);
  });

  it('reports nothing before the data source is connected', () => {
    expect(poolSnapshots(dataSource('postgres', automock(PostgresDriver, { master: pgPool(1, 1, 0) }), false))).toEqual(
      [],
    );
  });
});
