import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '@/config/configuration';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';

/**
 * Connects TypeORM to the configured store and brings its schema up to date before any
 * module that uses a repository starts, so a booted instance always has a migrated schema.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => ({
        ...buildDataSourceOptions(db),
        // A booting pod that cannot reach the database fails fast and lets its supervisor retry.
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        await runMigrationsExclusively(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
