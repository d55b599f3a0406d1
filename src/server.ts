import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Env } from '@/config/env.schema';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';

/** Boots the HTTP server on the validated environment. */
export async function createServer(env: Env): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  configureApp(app);
  app.enableShutdownHooks();
  await app.listen(env.PORT);
  const logger = app.get(Logger);
  logger.log(`Listening on port ${env.PORT} (${env.NODE_ENV}); API under /api/v1, docs at /docs`, 'Bootstrap');
  return app;
}
