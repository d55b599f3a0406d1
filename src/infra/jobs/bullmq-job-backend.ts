import { Logger } from '@nestjs/common';
import { Job, Queue, QueueOptions, UnrecoverableError, Worker } from 'bullmq';
import type { JobsConfig, RedisConfig } from '@/config/configuration';
import {
  closeRedisClient,
  createRedisClient,
  REDIS_CONNECT_TIMEOUT_MS,
  RedisClient,
} from '@/infra/redis/redis-client.factory';
import { PermanentJobError } from './job.errors';
import { JobRunner } from './job-runner';
import type { EnqueueOptions, JobBackend, QueueCounts } from './job.types';

/**
 * BullMQ needs its own connections, configured unlike the shared client: no ioredis key
 * prefix (BullMQ refuses one; its `prefix` option carries REDIS_KEY_PREFIX instead), and no
 * command or socket timeout, which would cut the workers' blocking waits for the next job. Workers
 * also need `maxRetriesPerRequest: null` and the offline queue, so a Redis restart pauses
 * them instead of failing them; the producer keeps failing fast, so a request that queues
 * a job while Redis is down gets an error rather than hanging.
 */
export function createJobsRedisClient(cfg: RedisConfig, role: 'producer' | 'worker'): RedisClient {
  const overrides =
    role === 'worker'
      ? {
          keyPrefix: undefined,
          commandTimeout: undefined,
          socketTimeout: undefined,
          maxRetriesPerRequest: null,
          enableOfflineQueue: true,
        }
      : { keyPrefix: undefined, commandTimeout: undefined, socketTimeout: undefined };
  return createRedisClient(cfg, new Logger('Jobs'), {
    ...overrides,
    connectionName: `nest-enterprise-backend:jobs-${role}`,
    enableAutoPipelining: false,
  })!;
}

/**
 * The key prefix of every queue, in a hash tag: on a Redis Cluster all of a queue's keys
 * (and BullMQ's scripts touch several at once) must live in one slot.
 */
export const jobsKeyPrefix = (cfg: RedisConfig) => `{${cfg.keyPrefix}jobs}`;

/** How long a forced close may wait for Redis before the connections are dropped. */
const FORCED_CLOSE_MS = 1_000;

/** Whether `work` settled within `ms`; past that it is left running, unawaited. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((done) => (timer = setTimeout(() => done(false), ms)));
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  return settled;
}

/** BullMQ queues on the project's Redis (single, Sentinel or Cluster): any worker of the cluster takes a job. */
export class BullJobBackend implements JobBackend {
  private readonly logger = new Logger('Jobs');
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private workerConnection?: RedisClient;

  constructor(
    private readonly shared: QueueOptions,
    private readonly redis: RedisConfig,
    private readonly cfg: JobsConfig,
    private readonly runner: JobRunner,
  ) {}

  async enqueue(queue: string, name: string, data: object, opts: EnqueueOptions): Promise<string> {
    const job = await this.bounded(this.queue(queue).add(name, data, { jobId: opts.jobId, delay: opts.delayMs }));
    return job.id!;
  }

  async schedule(queue: string, name: string, everyMs: number, data: object): Promise<void> {
    // One scheduler per (queue, name): every node upserts the same one, and BullMQ keeps a
    // single next job for it, so one worker of the cluster runs each iteration.
    await this.queue(queue).upsertJobScheduler(name, { every: everyMs }, { name, data });
  }

  async counts(queue: string): Promise<QueueCounts> {
    // Bounded like enqueue: a scrape while Redis is down leaves the queue out instead of hanging.
    const counts = await this.bounded(this.queue(queue).getJobCounts('waiting', 'prioritized', 'active'));
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0 };
  }

  start(queues: string[]): Promise<void> {
    if (queues.length === 0) return Promise.resolve();
    this.workerConnection = createJobsRedisClient(this.redis, 'worker');
    for (const queue of queues) {
      const worker = new Worker(queue, (job: Job) => this.process(queue, job), {
        connection: this.workerConnection,
        prefix: this.shared.prefix,
        concurrency: this.cfg.concurrency,
        autorun: true,
      });
      worker.on('failed', (job, error) => {
        // An UnrecoverableError ends the job before its last attempt: failed for good all the same.
        if (job && (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) {
          this.runner.failedForGood(this.contextOf(queue, job), error);
        }
      });
      worker.on('error', (error) =>
        this.logger.warn({ err: { message: error.message } }, `Worker of ${queue}: ${error.message}`),
      );
      this.workers.push(worker);
    }
    // Boot does not wait for Redis: the workers start taking jobs once it answers.
    return Promise.resolve();
  }

  /**
   * Workers stop taking jobs and wait for their active ones; past the bound they close
   * regardless, and the jobs they held are re-delivered by BullMQ as stalled.
   *
   * BullMQ's `close()` first waits, unbounded, for the active jobs, and a close once begun
   * cannot be turned into a forced one (a second call returns the first one's promise). So
   * the force is decided up front: without Redis no active job can finish (completing one is
   * a Redis write) and `close(true)` skips that wait. Closing unforced towards an unreachable
   * Redis never ended and left BullMQ's blocking connections reconnecting and its lock timers
   * running after the application was closed.
   */
  async stop(timeoutMs: number): Promise<void> {
    const reachable = !this.workerConnection || this.workerConnection.status === 'ready';
    if (!reachable) {
      await settledWithin(Promise.all(this.workers.map((worker) => worker.close(true))), FORCED_CLOSE_MS);
    } else if (!(await settledWithin(Promise.all(this.workers.map((worker) => worker.close())), timeoutMs))) {
      this.logger.warn('Jobs still running at shutdown; BullMQ re-delivers them to another worker');
      // The close goes on once the handlers return; until then the worker takes no job, and
      // with its connections cut it cannot renew their locks: they lapse, the jobs are stalled.
      await settledWithin(Promise.all(this.workers.map((worker) => worker.disconnect())), FORCED_CLOSE_MS);
    }
    // A queue or worker that never reached Redis waits for it in close(); the connections are cut below regardless.
    await settledWithin(Promise.all([...this.queues.values()].map((queue) => queue.close())), FORCED_CLOSE_MS);
    // Both connections were handed to BullMQ as instances, which it leaves open.
    if (this.workerConnection) await closeRedisClient(this.workerConnection);
    await closeRedisClient(this.shared.connection as RedisClient);
  }

  /**
   * BullMQ waits for its connection to be ready before the first command, for as long as
   * that takes; a request that queues a job while Redis is unreachable gets an error instead.
   */
  private async bounded<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limitMs = REDIS_CONNECT_TIMEOUT_MS + this.redis.commandTimeoutMs;
    const timedOut = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`Redis did not take the job within ${limitMs} ms`)), limitMs);
    });
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async process(queue: string, job: Job): Promise<void> {
    try {
      await this.runner.run(this.contextOf(queue, job), job.data as object);
    } catch (error) {
      // BullMQ's own signal for "no more attempts"; the original stays reachable as the cause.
      if (error instanceof PermanentJobError)
        throw Object.assign(new UnrecoverableError(error.message), { cause: error });
      throw error;
    }
  }

  /** `attemptsStarted` counts the current run, a re-delivered stalled one included. */
  private contextOf(queue: string, job: Job) {
    return { id: job.id!, queue, name: job.name, attempt: Math.max(1, job.attemptsStarted) };
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        ...this.shared,
        defaultJobOptions: {
          attempts: this.cfg.attempts,
          backoff: { type: 'exponential', delay: this.cfg.backoffMs },
          removeOnComplete: { count: this.cfg.keepCompleted },
          removeOnFail: false,
        },
      });
      queue.on('error', (error) =>
        this.logger.warn({ err: { message: error.message } }, `Queue ${name}: ${error.message}`),
      );
      this.queues.set(name, queue);
    }
    return queue;
  }
}
