import 'reflect-metadata';
import { config as loadDotEnv } from 'dotenv';
import { InvalidConfigError, parseEnv } from '@/config/env.schema';

// Real environment variables win over .env; .env is a local convenience, never read in production images.
loadDotEnv({ quiet: true });

async function bootstrap(): Promise<void> {
  let env;
  try {
    env = parseEnv();
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  // Imported after validation so that nothing (tracing, pools) starts half-configured.
  // Tracing patches http, express, pg and ioredis as they load: it starts before the server module imports them.
  const { startTracing } = await import('./infra/tracing/tracing');
  startTracing({ serviceName: env.OTEL_SERVICE_NAME });
  const { createServer } = await import('./server');
  await createServer(env);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
