import { Global, Module } from '@nestjs/common';
import { ActiveUsers } from './active-users.service';
import { DbSizeSampler } from './db-size.service';
import { MetricsController } from './metrics.controller';
import { StateMetrics } from './state-metrics.service';

/**
 * `/metrics` and the gauges read at scrape time, all in the application's registry
 * (`InfraMetricsModule`), which also holds the counters services record into
 * (`AppMetrics`). Global so the JWT strategy can report active users without importing
 * this module. HTTP request metrics come from `httpMetricsMiddleware`, mounted in
 * `configureApp()`.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [StateMetrics, DbSizeSampler, ActiveUsers],
  exports: [ActiveUsers],
})
export class MetricsModule {}
