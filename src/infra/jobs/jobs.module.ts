import { BullModule, getSharedConfigToken } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { QueueOptions } from 'bullmq';
import { DataSource } from 'typeorm';
import { jobsConfig, JobsConfig, redisConfig, RedisConfig } from '@/config/configuration';
import { BullJobBackend, createJobsRedisClient, jobsKeyPrefix } from './bullmq-job-backend';
import { DatabaseJobBackend } from './database-job-backend';
import { JobHandlers } from './job-handlers';
import { JobMetrics } from './job-metrics';
import { JobRunner } from './job-runner';
import { JobWorkers } from './job-workers';
import { JOB_BACKEND, JobBackend } from './job.types';
import { Jobs } from './jobs.service';

/**
 * Background jobs (docs/jobs.md). `Jobs` queues them from any module; a provider method
 * marked `@JobHandler(queue, name)` runs them. With Redis they are BullMQ queues shared by
 * every worker of the cluster; without, rows of the database's `jobs` table run by this node.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    // The shared BullMQ options: the producer connection and the key prefix.
    BullModule.forRootAsync({
      inject: [redisConfig.KEY],
      useFactory: (redis: RedisConfig): QueueOptions =>
        ({
          prefix: jobsKeyPrefix(redis),
          ...(redis.enabled ? { connection: createJobsRedisClient(redis, 'producer') } : {}),
        }) as QueueOptions,
    }),
  ],
  providers: [
    JobHandlers,
    JobMetrics,
    JobRunner,
    {
      provide: JOB_BACKEND,
      inject: [redisConfig.KEY, jobsConfig.KEY, getSharedConfigToken(), DataSource, JobRunner],
      useFactory: (
        redis: RedisConfig,
        cfg: JobsConfig,
        shared: QueueOptions,
        dataSource: DataSource,
        runner: JobRunner,
      ): JobBackend =>
        redis.enabled
          ? new BullJobBackend(shared, redis, cfg, runner)
          : new DatabaseJobBackend(dataSource, cfg, runner),
    },
    Jobs,
    JobWorkers,
  ],
  exports: [Jobs],
})
export class JobsModule {}
