import { Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '@/config/configuration';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';
import { QueryLogger } from './query-logger';
import { QueryMetrics, QueryMetricsSubscriber } from './query-metrics';

/** The module's options, and the subscriber that times the data source's queries. */
type ObservedOptions = TypeOrmModuleOptions & { queryMetrics: QueryMetricsSubscriber };

/**
 * Connects TypeORM to the configured store and brings its schema up to date before any
 * module that uses a repository starts, so a booted instance always has a migrated schema.
 * Its queries are logged and measured into the application's registry (QueryMetrics).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      extraProviders: [QueryMetrics],
      inject: [databaseConfig.KEY, QueryMetrics],
      useFactory: (db: DatabaseConfig, metrics: QueryMetrics): ObservedOptions => ({
        ...buildDataSourceOptions(db),
        logger: new QueryLogger(undefined, metrics),
        queryMetrics: new QueryMetricsSubscriber(metrics),
        // A booting pod that cannot reach the database fails fast and lets its supervisor retry.
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options) => {
        const { queryMetrics, ...typeorm } = options as ObservedOptions;
        const dataSource = await new DataSource(typeorm as DataSourceOptions).initialize();
        // TypeORM builds the subscribers listed in its options from their classes, without
        // arguments; this one needs the application's metrics, so it joins as an instance,
        // before the migrations run, whose queries are timed as they always were.
        dataSource.subscribers.push(queryMetrics);
        await runMigrationsExclusively(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
