import type { INestApplication, Type } from '@nestjs/common';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { appConfig, AppConfig } from '@/config/configuration';
import type { Env } from '@/config/env.schema';
import { flushLogs } from '@/infra/logging/log-destination';
import { createHttpAdapter, listen } from '@/common/http/http-adapter';
import { closeTimeoutMs, GracefulShutdown, ShutdownPhase } from '@/infra/lifecycle/graceful-shutdown';
import { applyHttpTimeouts } from '@/infra/lifecycle/http-timeouts';
import { LifecycleService } from '@/infra/lifecycle/lifecycle.service';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';

const LOUD_PHASES: ShutdownPhase[] = ['forcing', 'failed'];

/**
 * Boots the HTTP server on the validated environment; SIGTERM and SIGINT drain it (see
 * GracefulShutdown). `root` is AppModule, or a module importing it (process tests add job handlers).
 */
export async function createServer(env: Env, root: Type = AppModule): Promise<INestApplication<Server>> {
  const app = await NestFactory.create<INestApplication<Server>>(root, await createHttpAdapter(env), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  const logger = app.get(Logger);
  const server = app.getHttpServer();
  applyHttpTimeouts(server, env.HTTP_REQUEST_TIMEOUT);
  const lifecycle = app.get(LifecycleService);
  new GracefulShutdown({
    server,
    beginDrain: () => lifecycle.beginShutdown(),
    closeApp: () => app.close(),
    delayMs: env.SHUTDOWN_DELAY_MS,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    closeTimeoutMs: closeTimeoutMs(env.APP_ROLE !== 'api', env.SHUTDOWN_TIMEOUT_MS),
    log: (phase, message, fields) => {
      const level = LOUD_PHASES.includes(phase) ? 'warn' : 'log';
      logger[level]({ ...fields, phase }, message, 'Shutdown');
    },
    exit: (code) => {
      flushLogs();
      process.exit(code);
    },
  }).listen();
  await listen(app, env);
  const docs = app.get<AppConfig>(appConfig.KEY).docsEnabled ? 'docs at /docs' : 'docs off (DOCS_ENABLED)';
  logger.log(
    `Listening on port ${env.PORT} (${env.NODE_ENV}, ${env.HTTP_ADAPTER}); API under /api/v1, ${docs}`,
    'Bootstrap',
  );
  return app;
}
