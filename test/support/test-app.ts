import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { AppModule } from '@/app.module';
import { configureApp, WORKER_PATHS } from '@/app.setup';
import { createHttpAdapter } from '@/common/http/http-adapter';
import { appConfig, AppConfig, jobsConfig, JobsConfig } from '@/config/configuration';
import { parseEnv } from '@/config/env.schema';
import { LOGGERS } from '@/infra/logging/logging.module';
import { createLoggers } from '@/infra/logging/loggers';
import { contractViolations, failOnViolations, violationReport } from './contract-violations';
import { provisionDatabase, TestDatabase } from './database';
import { recordExchanges } from './exchange-recorder';
import { loadOpenApiContract } from './openapi-contract';

export interface TestApp {
  app: INestApplication;
  server: Server;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  imports?: ModuleMetadata['imports'];
  /** A database the caller owns (see `rebootableDatabase`): left in place on close, so another app can boot on it. */
  database?: TestDatabase;
  /** Receives the application's log lines instead of stdout (see captureLogLines); set LOG_LEVEL with it. */
  logs?: Writable;
}

/**
 * Boots the real application in-process, with the production middleware stack
 * (configureApp), on a database of its own. Under `test:integration` that database is a
 * fresh one on the PostgreSQL/MySQL server and Redis keys get a prefix of their own.
 * Every answer is checked against openapi.json (see exchange-recorder.ts); close() fails
 * with the violations no test hook has reported yet.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const owned = options.database === undefined;
  const database = options.database ?? (await provisionDatabase());
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: `test:${randomBytes(4).toString('hex')}:`,
    ...options.env,
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  setEnv(env);

  try {
    const builder = Test.createTestingModule({ imports: [AppModule, ...(options.imports ?? [])] });
    const { logs } = options;
    if (logs) {
      builder
        .overrideProvider(LOGGERS)
        .useFactory({ inject: [appConfig.KEY], factory: (app: AppConfig) => createLoggers(app, logs) });
    }
    const moduleRef = await builder.compile();
    // HTTP_ADAPTER (fastify or express) from the environment the suite runs in, as in production.
    const adapter = await createHttpAdapter(parseEnv());
    const app = moduleRef.createNestApplication(adapter, { bodyParser: false, bufferLogs: true });
    const violations = contractViolations();
    // First, so answers from every later middleware (refusals, errors) are checked too. A
    // worker refuses the API with 404s by design: only its probes and scrape are the document's.
    const served = app.get<JobsConfig>(jobsConfig.KEY).servesApi ? undefined : WORKER_PATHS;
    app.use(recordExchanges(loadOpenApiContract(), violations, served));
    configureApp(app);
    await app.init();
    // Fastify serves its routes once its plugins have loaded; express has nothing to wait for.
    if (adapter.getType() === 'fastify') await adapter.getInstance<{ ready(): Promise<unknown> }>().ready();
    return {
      app,
      server: app.getHttpServer(),
      close: async () => {
        await app.close();
        if (owned) await database.drop();
        setEnv(saved);
        await violations.settled();
        failOnViolations(violationReport(violations.drain(), 'found when the test app closed'));
      },
    };
  } catch (error) {
    if (owned) await database.drop();
    setEnv(saved);
    throw error;
  }
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
