/** What a handler learns about the job it runs, so it can make its effect idempotent. */
export interface JobContext {
  id: string;
  queue: string;
  name: string;
  /** 1-based: 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
}

export interface EnqueueOptions {
  /** Deduplication: a second enqueue with the same id is the same job, and runs once. */
  jobId?: string;
  delayMs?: number;
}

/** A `@JobHandler` method bound to its provider. Throwing makes the job retry, unless it is a `PermanentJobError`. */
export type JobHandlerFn = (data: object, ctx: JobContext) => Promise<void>;

/** Per-queue figures read at scrape time. */
export interface QueueCounts {
  waiting: number;
  active: number;
}

/** The two implementations behind `Jobs`: BullMQ on Redis, or the database table. */
export interface JobBackend {
  enqueue(queue: string, name: string, data: object, opts: EnqueueOptions): Promise<string>;
  schedule(queue: string, name: string, everyMs: number, data: object): Promise<void>;
  counts(queue: string): Promise<QueueCounts>;
  /** Starts taking jobs from these queues (workers only). */
  start(queues: string[]): Promise<void>;
  /** Stops taking jobs, lets active ones finish for up to `timeoutMs`, hands the rest back. */
  stop(timeoutMs: number): Promise<void>;
}

export const JOB_BACKEND = Symbol('JOB_BACKEND');
