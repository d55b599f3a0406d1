import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import type { AfterQueryEvent, EntitySubscriberInterface, QueryRunner } from 'typeorm';

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';
export type QueryPool = 'primary' | 'replica';

/** Seconds; TypeORM measures in whole milliseconds, so the first bucket holds the sub-millisecond queries. */
export const QUERY_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const DML = new Set<string>(['select', 'insert', 'update', 'delete']);

/**
 * The statement's kind from its first keyword, skipping comments and parentheses. A
 * `WITH` query is the DML its body performs (`WITH … INSERT`), else a select. Labels are
 * this word, never the SQL text: SQL would make a series per statement shape, and its
 * literals could carry personal data into the metrics store.
 */
export function sqlOperation(sql: string): QueryOperation {
  const text = sql.replace(/\/\*[\s\S]*?\*\/|--[^\n]*/g, ' ');
  const first = /^[\s(]*([a-z]+)/i.exec(text)?.[1]?.toLowerCase() ?? '';
  if (DML.has(first)) return first as QueryOperation;
  if (first === 'with')
    return (/\b(insert|update|delete)\b/i.exec(text)?.[1]?.toLowerCase() as QueryOperation) ?? 'select';
  return 'other';
}

/** Which pool ran a query: TypeORM's replication mode of the query runner ('slave' = a read replica). */
export const poolOf = (queryRunner: QueryRunner | undefined): QueryPool =>
  queryRunner?.getReplicationMode() === 'slave' ? 'replica' : 'primary';

const QUERY_LABELS = ['operation', 'pool'] as const;
type QueryLabel = (typeof QUERY_LABELS)[number];

/**
 * The application's query metrics, in its registry: durations recorded by
 * {@link QueryMetricsSubscriber}, slow queries and failures by {@link QueryLogger}.
 */
@Injectable()
export class QueryMetrics {
  readonly duration: Histogram<QueryLabel>;
  readonly errors: Counter<QueryLabel>;
  readonly slow: Counter<'operation'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Database query execution time as TypeORM measures it (driver round trip), by operation and pool',
      labelNames: QUERY_LABELS,
      buckets: QUERY_DURATION_BUCKETS,
      registers: [registry],
    });
    this.slow = new Counter({
      name: 'db_slow_queries_total',
      help: 'Queries slower than DATABASE_SLOW_QUERY_MS, by operation',
      labelNames: ['operation'] as const,
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'db_query_errors_total',
      help: 'Database queries that failed at execution (constraint violations included), by operation and pool',
      labelNames: QUERY_LABELS,
      registers: [registry],
    });
  }
}

/**
 * Times every successful query on every driver. TypeORM's query runners measure each
 * statement themselves and hand the duration to `afterQuery` subscribers (PostgreSQL,
 * MySQL and better-sqlite3 alike), so this needs no wrapper around the drivers or their
 * pools. Failures are counted by {@link QueryLogger}: better-sqlite3 broadcasts no event
 * for them, while every driver reports them to the logger.
 *
 * Not an `@EventSubscriber()` class listed in the data source's `subscribers`: TypeORM
 * builds those itself, without arguments, and this one records into the application's
 * registry. `DatabaseModule` adds it to the data source as an instance.
 */
export class QueryMetricsSubscriber implements EntitySubscriberInterface {
  constructor(private readonly metrics: QueryMetrics) {}

  afterQuery(event: AfterQueryEvent): void {
    const labels = { operation: sqlOperation(event.query), pool: poolOf(event.queryRunner) };
    if (event.success && event.executionTime !== undefined) {
      this.metrics.duration.observe(labels, event.executionTime / 1000);
    }
  }
}
