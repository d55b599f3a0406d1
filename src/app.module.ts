import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { configModuleOptions } from '@/config/configuration';
import { ProblemDetailsFilter } from '@/common/filters/problem-details.filter';
import { MethodNotAllowedHandler } from '@/common/http/method-not-allowed';
import { createValidationPipe } from '@/common/pipes/validation.pipe';
import { ConsulModule } from '@/infra/consul/consul.module';
import { AppCacheModule } from '@/infra/cache/app-cache.module';
import { DatabaseModule } from '@/infra/database/database.module';
import { IdempotencyModule } from '@/infra/idempotency/idempotency.module';
import { JobsModule } from '@/infra/jobs/jobs.module';
import { LifecycleModule } from '@/infra/lifecycle/lifecycle.module';
import { LoggingModule } from '@/infra/logging/logging.module';
import { MailModule } from '@/infra/mail/mail.module';
import { InfraMetricsModule } from '@/infra/metrics/infra-metrics.module';
import { RedisModule } from '@/infra/redis/redis.module';
import { TracingModule } from '@/infra/tracing/tracing.module';
import { AuthModule } from '@/modules/auth/auth.module';
import { HealthModule } from '@/modules/health/health.module';
import { MetricsModule } from '@/modules/metrics/metrics.module';
import { ProblemsModule } from '@/modules/problems/problems.module';
import { UsersModule } from '@/modules/users/users.module';

@Module({
  imports: [
    ConfigModule.forRoot(configModuleOptions),
    LoggingModule,
    TracingModule,
    LifecycleModule,
    InfraMetricsModule,
    MetricsModule,
    DatabaseModule,
    RedisModule,
    AppCacheModule,
    IdempotencyModule,
    MailModule,
    JobsModule,
    HealthModule,
    AuthModule,
    UsersModule,
    ProblemsModule,
    ConsulModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    MethodNotAllowedHandler,
  ],
})
export class AppModule {}
