import { Module, OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, AppConfig } from '@/config/configuration';
import { flushLogs } from './log-destination';
import { createLoggers, Loggers } from './loggers';

/** The application's {@link Loggers}, built once from the configuration. */
export const LOGGERS = Symbol('LOGGERS');

@Module({
  providers: [{ provide: LOGGERS, inject: [appConfig.KEY], useFactory: (app: AppConfig) => createLoggers(app) }],
  exports: [LOGGERS],
})
class LoggersModule {}

/**
 * Structured JSON logs through pino, one line per event on stdout. nestjs-pino adapts the
 * root logger to Nest's `Logger`; requests are logged by `requestLogging()` on the access
 * logger, which `configureApp()` mounts as an express middleware right after the metrics
 * one, so requests refused before routing are logged too.
 */
@Module({
  imports: [
    LoggersModule,
    LoggerModule.forRootAsync({
      imports: [LoggersModule],
      inject: [LOGGERS],
      // useExisting with no routes: nestjs-pino mounts no request middleware of its own.
      useFactory: (loggers: Loggers) => ({ pinoHttp: { logger: loggers.root }, useExisting: true, forRoutes: [] }),
    }),
  ],
  exports: [LoggersModule],
})
export class LoggingModule implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    flushLogs();
  }
}
