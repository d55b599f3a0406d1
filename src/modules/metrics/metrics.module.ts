import { Module } from '@nestjs/common';
import { ActiveUsers } from './active-users';
import { DbPoolMetrics } from './db-pool-metrics';
import { DbSizeSampler } from './db-size.sampler';
import { MetricsController } from './metrics.controller';

/**
 * `/metrics` and the pool, database size and active-user gauges, all in the application's
 * registry (`InfraMetricsModule`), which also holds the counters services record into
 * (`AppMetrics`) and the health module's readiness gauge. AuthModule imports it for
 * `ActiveUsers`, which its JWT strategy reports to. HTTP request metrics come from
 * `httpMetricsMiddleware`, mounted in `configureApp()`.
 */
@Module({
  controllers: [MetricsController],
  providers: [DbPoolMetrics, DbSizeSampler, ActiveUsers],
  exports: [ActiveUsers],
})
export class MetricsModule {}
