import 'reflect-metadata';
import { config as loadDotEnv } from 'dotenv';
import { DataSource } from 'typeorm';
import { databaseConfig } from '@/config/configuration';
import { InvalidConfigError, parseEnv } from '@/config/env.schema';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsExclusively } from './migrate';

loadDotEnv({ quiet: true });

/**
 * Production entry point for a one-shot migration step (the Kubernetes Job, the compose
 * `migrate` service): the runtime image has no TypeORM CLI or ts-node, only `dist/`.
 * It takes the same lock as a booting instance, so it may race replicas safely.
 */
async function main(): Promise<number> {
  try {
    parseEnv();
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const dataSource = await new DataSource(buildDataSourceOptions(databaseConfig())).initialize();
  try {
    await runMigrationsExclusively(dataSource);
  } finally {
    await dataSource.destroy();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `Migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
