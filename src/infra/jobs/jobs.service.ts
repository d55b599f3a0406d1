import { Inject, Injectable } from '@nestjs/common';
import { JobMetrics } from './job-metrics';
import { EnqueueOptions, JOB_BACKEND, JobBackend } from './job.types';

/** Names and ids end up in Redis keys; BullMQ refuses a `:` in them and an id that reads as an integer. */
const NAME = /^[\w.-]{1,100}$/;
const JOB_ID = /^[\w.@=+-]{1,200}$/;

/** Queues background jobs; `@JobHandler` methods run them, on whichever worker takes them. */
@Injectable()
export class Jobs {
  private readonly known = new Set<string>();

  constructor(
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
    private readonly metrics: JobMetrics,
  ) {}

  /**
   * Resolves once the job is stored (in Redis, or in the database without Redis), so it
   * survives this process dying right after. The same `jobId` twice is one job. Rejects
   * (and counts `app_jobs_enqueue_failures_total`) when the store did not take the job.
   */
  async enqueue<T extends object>(queue: string, name: string, data: T, opts: EnqueueOptions = {}): Promise<string> {
    this.check(queue, name);
    if (opts.jobId !== undefined && (!JOB_ID.test(opts.jobId) || /^\d+$/.test(opts.jobId))) {
      throw new Error(`Job id "${opts.jobId}" must be 1-200 of [A-Za-z0-9_.@=+-], and not only digits`);
    }
    try {
      return await this.backend.enqueue(queue, name, data, opts);
    } catch (error) {
      // The store refused it (Redis or the database down): the caller decides what that means.
      this.metrics.enqueueFailed(queue);
      throw error;
    }
  }

  /**
   * A repeating job that runs on one worker of the cluster at a time, every `everyMs`.
   * Idempotent: calling it on every boot of every node registers it once.
   */
  async schedule(queue: string, name: string, everyMs: number, data: object = {}): Promise<void> {
    this.check(queue, name);
    if (!Number.isInteger(everyMs) || everyMs < 1)
      throw new Error(`everyMs must be a positive integer (got ${everyMs})`);
    await this.backend.schedule(queue, name, everyMs, data);
  }

  /** Every queue this process has handlers for or has queued to: the ones its gauges report. */
  queues(): string[] {
    return [...this.known];
  }

  /** Counts a queue in from now on. */
  addQueue(queue: string): void {
    if (this.known.has(queue)) return;
    this.known.add(queue);
    this.metrics.knowQueue(queue);
  }

  private check(queue: string, name: string): void {
    if (!NAME.test(queue) || !NAME.test(name)) {
      throw new Error(`Queue and job names must be 1-100 of [A-Za-z0-9_.-] (got "${queue}", "${name}")`);
    }
    this.addQueue(queue);
  }
}
