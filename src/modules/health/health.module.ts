import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseWritableIndicator } from './database-writable.indicator';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ReadinessGauge } from './readiness.gauge';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [HealthService, DatabaseWritableIndicator, ReadinessGauge],
})
export class HealthModule {}
