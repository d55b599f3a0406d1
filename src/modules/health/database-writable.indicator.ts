import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

export const DATABASE_WRITABLE_KEY = 'database_writable';

/**
 * How each server says whether it takes writes, as one row with a `read_only` column.
 * PostgreSQL: `transaction_read_only` is on in every transaction of a hot standby (and
 * wherever default_transaction_read_only is set, as when a primary is fenced off).
 * MySQL/MariaDB: `read_only` (which `super_read_only` implies) is set on replicas.
 */
const READ_ONLY_QUERY: Partial<Record<DataSource['options']['type'], string>> = {
  postgres: "SELECT current_setting('transaction_read_only') = 'on' AS read_only",
  mysql: 'SELECT @@global.read_only AS read_only',
  mariadb: 'SELECT @@global.read_only AS read_only',
};

/** `read_only` values of a server that takes writes; anything else (no row at all included) is not ready. */
const WRITABLE = new Set(['false', '0']);

const READ_ONLY_MESSAGE = 'the database server accepts no writes (a standby not yet promoted, or set read-only)';

/**
 * Readiness beyond "the database answers": after a failover the database address may
 * still name a standby, which answers every ping and refuses every write. An instance
 * there must leave the load balancer's rotation until the address names a primary.
 * Asked of the primary pool, the one writes use. The embedded SQLite file has no such
 * state, so the check applies to servers only.
 */
@Injectable()
export class DatabaseWritableIndicator {
  private readonly query: string | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {
    this.query = READ_ONLY_QUERY[dataSource.options.type];
  }

  get applies(): boolean {
    return this.query !== undefined;
  }

  /** Down, saying so, on a server that refuses writes; down with the driver's message when it cannot be asked. */
  async check(timeoutMs: number): Promise<HealthIndicatorResult> {
    return await this.indicator
      .check(DATABASE_WRITABLE_KEY)
      .attempt(async () => {
        const rows = await this.dataSource.query<Array<{ read_only: unknown }>>(this.query!);
        // pg answers a boolean; mysql2 a number, or a string when TypeORM asks for big numbers as strings.
        if (!WRITABLE.has(String(rows[0]?.read_only))) throw new Error(READ_ONLY_MESSAGE);
      })
      .withTimeout(timeoutMs);
  }
}
