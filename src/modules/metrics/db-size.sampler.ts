import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DataSource, QueryRunner } from 'typeorm';

/** Size changes slowly, and the catalogue queries behind it are not free on a large schema. */
export const DB_SIZE_SAMPLE_INTERVAL_MS = 60_000;

/** Each size query answers one row with a `size` column; the drivers type rows as any. */
const sizeRows = (runner: QueryRunner, sql: string): Promise<Array<{ size: unknown } | undefined>> => runner.query(sql);

/**
 * The database's on-disk size in bytes, as the server accounts for it: PostgreSQL's
 * `pg_database_size`, MySQL/MariaDB's table and index lengths of the current schema
 * (InnoDB statistics, refreshed by the server as tables change), SQLite's pages. Read on
 * the primary: a replica's copy is the same data, and may lag.
 */
export async function databaseSizeBytes(dataSource: DataSource): Promise<number> {
  const runner = dataSource.createQueryRunner('master');
  try {
    switch (dataSource.options.type) {
      case 'postgres': {
        const [row] = await sizeRows(runner, 'SELECT pg_database_size(current_database()) AS size');
        return Number(row?.size);
      }
      case 'mysql':
      case 'mariadb': {
        const [row] = await sizeRows(
          runner,
          'SELECT COALESCE(SUM(data_length + index_length), 0) AS size FROM information_schema.tables WHERE table_schema = DATABASE()',
        );
        return Number(row?.size);
      }
      default: {
        const [row] = await sizeRows(
          runner,
          'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
        );
        return Number(row?.size);
      }
    }
  } finally {
    await runner.release();
  }
}

/**
 * Samples the database size on a timer instead of on scrape: several Prometheus servers
 * scraping every instance every few seconds would otherwise all query the catalogue. The
 * first sample is taken at boot; a failed sample keeps the last value and logs once. The
 * gauge, in the application's registry, reports the last sample (0 before the first).
 */
@Injectable()
export class DbSizeSampler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DbSizeSampler.name);
  private timer?: NodeJS.Timeout;
  private failing = false;
  private readonly gauge: Gauge;
  lastBytes?: number;

  constructor(
    private readonly dataSource: DataSource,
    registry: Registry,
  ) {
    this.gauge = new Gauge({
      name: 'db_size_bytes',
      help: `Database size on disk, sampled every ${DB_SIZE_SAMPLE_INTERVAL_MS / 1000} s (not per scrape)`,
      registers: [registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), DB_SIZE_SAMPLE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample now; the gauge shows it from the next scrape. */
  async sample(): Promise<void> {
    try {
      this.lastBytes = await databaseSizeBytes(this.dataSource);
      this.gauge.set(this.lastBytes);
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn({ err: error }, 'Could not sample the database size; keeping the last value');
      this.failing = true;
    }
  }
}
