import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AppMetrics } from './app-metrics';
import { createMetricsRegistry } from './metrics-registry';

/**
 * The application's metrics registry (injected as prom-client's `Registry`) and the
 * counters that infrastructure, shared guards and feature services record into. It sits
 * below every feature, so recording a metric never makes a shared layer depend on one;
 * global, like the Redis client, so a service records without importing it. `/metrics`
 * and the scrape-time gauges are the metrics feature's (`MetricsModule`).
 */
@Global()
@Module({
  providers: [{ provide: Registry, useFactory: createMetricsRegistry }, AppMetrics],
  exports: [Registry, AppMetrics],
})
export class InfraMetricsModule {}
