import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ensureDefaultMetrics } from '@/infra/metrics/metric-registry';
import { ActiveUsers } from './active-users.service';
import { DbSizeSampler } from './db-size.service';
import { MetricsController } from './metrics.controller';
import { StateMetrics } from './state-metrics.service';

/**
 * `/metrics` and the gauges read at scrape time. Global so the JWT strategy can report
 * active users without importing this module. HTTP request metrics come from
 * `httpMetricsMiddleware`, mounted in `configureApp()`; the counters services record
 * into are `AppMetrics` (`InfraMetricsModule`).
 */
@Global()
@Module({
  // Default metrics are registered by ensureDefaultMetrics: the module's own switch would register them twice.
  imports: [PrometheusModule.register({ controller: MetricsController, defaultMetrics: { enabled: false } })],
  providers: [StateMetrics, DbSizeSampler, ActiveUsers],
  exports: [ActiveUsers],
})
export class MetricsModule {
  constructor() {
    ensureDefaultMetrics();
  }
}
