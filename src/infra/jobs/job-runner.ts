import { Injectable, Logger } from '@nestjs/common';
import { PermanentJobError } from './job.errors';
import { JobHandlers } from './job-handlers';
import { JobMetrics } from './job-metrics';
import type { JobContext } from './job.types';

/** A PermanentJobError, as thrown or as the cause BullMQ's UnrecoverableError carries. */
const isPermanent = (error: unknown) =>
  error instanceof PermanentJobError || (error instanceof Error && error.cause instanceof PermanentJobError);

const errorFields = (error: unknown) =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { message: String(error) };

/** Runs one attempt of a job through its handler, timing it; shared by both queue implementations. */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly handlers: JobHandlers,
    private readonly metrics: JobMetrics,
  ) {}

  /** Resolves when the handler succeeded; rejects (the job will retry or fail) when it threw. */
  async run(ctx: JobContext, data: object): Promise<void> {
    const done = this.metrics.startAttempt(ctx.queue);
    try {
      await this.handlers.get(ctx.queue, ctx.name)(data, ctx);
      this.metrics.jobCompleted(ctx.queue);
    } catch (error) {
      this.logger.warn(
        { jobId: ctx.id, queue: ctx.queue, job: ctx.name, attempt: ctx.attempt, err: errorFields(error) },
        `Job ${ctx.id} (${ctx.queue}/${ctx.name}) failed attempt ${ctx.attempt}`,
      );
      throw error;
    } finally {
      done();
    }
  }

  /**
   * A job that failed its last attempt, or threw a PermanentJobError: kept as failed by the
   * queue, counted and logged here.
   */
  failedForGood(ctx: JobContext, error: unknown): void {
    this.metrics.jobFailed(ctx.queue);
    const permanent = isPermanent(error);
    this.logger.error(
      { jobId: ctx.id, queue: ctx.queue, job: ctx.name, attempts: ctx.attempt, permanent, err: errorFields(error) },
      permanent
        ? `Job ${ctx.id} (${ctx.queue}/${ctx.name}) failed permanently at attempt ${ctx.attempt}, not retried; kept as failed`
        : `Job ${ctx.id} (${ctx.queue}/${ctx.name}) failed all ${ctx.attempt} attempts; kept as failed`,
    );
  }
}
