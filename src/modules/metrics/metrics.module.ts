import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { ActiveUsers } from './active-users.service';
import { AppMetrics } from './app-metrics.service';
import { DbSizeSampler } from './db-size.service';
import { MetricsController } from './metrics.controller';
import { ensureDefaultMetrics } from './metric-registry';
import { StateMetrics } from './state-metrics.service';

/**
 * `/metrics` and the metrics every part of the service records into. Global so any
 * service can record a business metric without importing this module. HTTP request
 * metrics come from `httpMetricsMiddleware`, mounted in `configureApp()`.
 */
@Global()
@Module({
  // Default metrics are registered by ensureDefaultMetrics: the module's own switch would register them twice.
  imports: [PrometheusModule.register({ controller: MetricsController, defaultMetrics: { enabled: false } })],
  providers: [AppMetrics, StateMetrics, DbSizeSampler, ActiveUsers],
  exports: [AppMetrics, ActiveUsers],
})
export class MetricsModule {
  constructor() {
    ensureDefaultMetrics();
  }
}
