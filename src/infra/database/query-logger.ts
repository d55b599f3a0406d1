import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';
import { poolOf, QueryMetrics, sqlOperation } from './query-metrics';

/** Enough of a statement to recognise it in a log line; the longest generated SELECTs run to kilobytes. */
export const SLOW_SQL_MAX_CHARS = 500;

/**
 * TypeORM's logger, reduced to what an operator acts on: a warning per query slower than
 * `maxQueryExecutionTime` (DATABASE_SLOW_QUERY_MS) and TypeORM's own warnings. The slow
 * line carries the operation, the duration, the pool and the statement as TypeORM sent
 * it, whose values are bound placeholders; the parameters are never logged, since they
 * hold password hashes, token hashes and emails. Failed queries are counted here (every
 * driver reports them to the logger) but not logged: they surface as exceptions, which
 * the error filter logs once. (better-sqlite3 reports only failures at execution, not a
 * statement it cannot even prepare, such as one naming a missing table.)
 *
 * The application's logger counts into its {@link QueryMetrics}; the migration CLI's has
 * none, since nothing scrapes it.
 */
export class QueryLogger implements TypeOrmLogger {
  constructor(
    private readonly logger = new NestLogger('Database'),
    private readonly metrics?: QueryMetrics,
  ) {}

  logQuerySlow(time: number, query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    const operation = sqlOperation(query);
    this.metrics?.slow.inc({ operation });
    this.logger.warn(
      { operation, durationMs: time, pool: poolOf(queryRunner), sql: query.slice(0, SLOW_SQL_MAX_CHARS) },
      'query slow',
    );
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }

  logQuery(): void {}

  logQueryError(_error: unknown, query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.metrics?.errors.inc({ operation: sqlOperation(query), pool: poolOf(queryRunner) });
  }

  /**
   * Migration progress ("Migration X has been executed successfully."): TypeORM reports it
   * through both of these. It makes `npm run migration:*` say what it did, and at boot
   * names each migration applied. (The schema is never synchronised, so nothing else
   * arrives here.)
   */
  logMigration(message: string): void {
    this.logger.log(message);
  }

  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }
}
