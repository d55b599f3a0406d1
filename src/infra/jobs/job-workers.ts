import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { jobsConfig, JobsConfig } from '@/config/configuration';
import { JobHandlers } from './job-handlers';
import { JobMetrics } from './job-metrics';
import { JOB_BACKEND, JobBackend } from './job.types';
import { Jobs } from './jobs.service';

/**
 * Starts this process's workers once the application is up (roles `all` and `worker`;
 * `api` only queues), and stops them first on shutdown: no new jobs are taken, active ones
 * get SHUTDOWN_TIMEOUT_MS to finish, the rest go back to the queue.
 */
@Injectable()
export class JobWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');

  constructor(
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
    @Inject(jobsConfig.KEY) private readonly cfg: JobsConfig,
    private readonly handlers: JobHandlers,
    private readonly jobs: Jobs,
    metrics: JobMetrics,
  ) {
    metrics.watchQueues(
      () => jobs.queues(),
      (queue) => backend.counts(queue),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const queues = this.handlers.queues();
    for (const queue of queues) this.jobs.addQueue(queue);
    if (!this.cfg.runsWorkers) return;
    await this.backend.start(queues);
    this.logger.log(`Running jobs of ${queues.length ? queues.join(', ') : 'no queue yet'} (role ${this.cfg.role})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.backend.stop(this.cfg.shutdownTimeoutMs);
  }
}
