import { Global, Module } from '@nestjs/common';
import { AppMetrics } from './app-metrics.service';

/** Global so any service can record a business metric without importing this module. */
@Global()
@Module({
  providers: [AppMetrics],
  exports: [AppMetrics],
})
export class MetricsModule {}
