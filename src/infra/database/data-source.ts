import 'reflect-metadata';
import { config as loadDotEnv } from 'dotenv';
import { DataSource } from 'typeorm';
import { databaseConfig } from '@/config/configuration';
import { buildDataSourceOptions } from './data-source-options';

loadDotEnv({ quiet: true });

/** The data source the TypeORM CLI uses (`npm run migration:*`), configured like the app. */
export default new DataSource(buildDataSourceOptions(databaseConfig()));
