import { Global, Module } from '@nestjs/common';
import { AppMetrics } from './app-metrics.service';

/**
 * The counters that infrastructure, shared guards and feature services record into. It
 * sits below every feature, so recording a metric never makes a shared layer depend on
 * one; global, like the Redis client, so a service records without importing it.
 * `/metrics` and the scrape-time gauges are the metrics feature's (`MetricsModule`).
 */
@Global()
@Module({ providers: [AppMetrics], exports: [AppMetrics] })
export class InfraMetricsModule {}
