import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, LessThanOrEqual, Repository } from 'typeorm';
import type { JobsConfig } from '@/config/configuration';
import { outsideRequestContext } from '@/infra/logging/request-context';
import { backoffDelayMs } from './backoff';
import { JobRecord } from './job.entity';
import { PermanentJobError } from './job.errors';
import { JobRunner } from './job-runner';
import type { EnqueueOptions, JobBackend, JobContext, QueueCounts } from './job.types';

/** Completed rows are trimmed to the newest JOBS_KEEP_COMPLETED after this many completions. */
const TRIM_EVERY = 50;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * The job queue without Redis: rows of the `jobs` table, polled every JOBS_POLL_INTERVAL
 * and at once after an in-process enqueue. A job is claimed by an UPDATE conditional on
 * the state and attempt count it was read with, so two pollers cannot both run it. Jobs
 * left `active` by a process that died go back to waiting when the next one starts: only
 * this node, after a restart, runs them (the documented limit of running without Redis).
 */
export class DatabaseJobBackend implements JobBackend {
  private readonly logger = new Logger('Jobs');
  private readonly owner = randomUUID();
  private readonly repo: Repository<JobRecord>;
  private readonly running = new Map<string, Promise<void>>();
  private started = false;
  private stopping = false;
  private polling = false;
  private pollAgain = false;
  private timer?: NodeJS.Timeout;
  private completedSinceTrim = 0;

  constructor(
    dataSource: DataSource,
    private readonly cfg: JobsConfig,
    private readonly runner: JobRunner,
  ) {
    this.repo = dataSource.getRepository(JobRecord);
  }

  async enqueue(queue: string, name: string, data: object, opts: EnqueueOptions): Promise<string> {
    const id = opts.jobId ?? randomUUID();
    const now = Date.now();
    await this.insertIfAbsent({
      id,
      queue,
      name,
      data: JSON.stringify(data),
      runAt: new Date(now + (opts.delayMs ?? 0)),
      repeatEveryMs: null,
    });
    this.poke();
    return id;
  }

  async schedule(queue: string, name: string, everyMs: number, data: object): Promise<void> {
    const id = `schedule:${queue}:${name}`;
    await this.insertIfAbsent({
      id,
      queue,
      name,
      data: JSON.stringify(data),
      runAt: new Date(),
      repeatEveryMs: everyMs,
    });
    // Registered again on every boot: a changed interval or template wins, the next run stays.
    await this.repo.update({ id }, { repeatEveryMs: everyMs, data: JSON.stringify(data) });
    this.poke();
  }

  async counts(queue: string): Promise<QueueCounts> {
    const [waiting, active] = await Promise.all([
      this.repo.countBy({ queue, state: 'waiting', runAt: LessThanOrEqual(new Date()) }),
      this.repo.countBy({ queue, state: 'active' }),
    ]);
    return { waiting, active };
  }

  async start(): Promise<void> {
    await this.recoverOrphans();
    this.started = true;
    this.schedulePoll();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs)));
    const all = Promise.allSettled([...this.running.values()]);
    const result = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return;
    const ids = [...this.running.keys()];
    this.logger.warn({ jobIds: ids }, `${ids.length} job(s) still running at shutdown; handed back to the queue`);
    await this.repo.update(
      { id: In(ids), state: 'active', lockedBy: this.owner },
      { state: 'waiting', lockedBy: null, runAt: new Date() },
    );
  }

  /** Jobs a killed process left `active`: their attempt counts; one that was the last fails. */
  private async recoverOrphans(): Promise<void> {
    const orphans = await this.repo.findBy({ state: 'active' });
    for (const job of orphans) {
      const last = job.attemptsMade >= job.maxAttempts;
      await this.repo.update(
        { id: job.id, state: 'active', attemptsMade: job.attemptsMade },
        last
          ? { state: 'failed', lockedBy: null, finishedAt: new Date(), lastError: 'the process running it stopped' }
          : { state: 'waiting', lockedBy: null, runAt: new Date() },
      );
      const ctx = this.contextOf(job);
      if (last) this.runner.failedForGood(ctx, new Error('the process running it stopped'));
      else
        this.logger.warn({ jobId: job.id, attempt: job.attemptsMade }, `Job ${job.id} was interrupted; queued again`);
    }
  }

  private async insertIfAbsent(
    job: Pick<JobRecord, 'id' | 'queue' | 'name' | 'data' | 'runAt' | 'repeatEveryMs'>,
  ): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({
        ...job,
        state: 'waiting',
        attemptsMade: 0,
        maxAttempts: this.cfg.attempts,
        lockedBy: null,
        lastError: null,
        createdAt: new Date(),
        finishedAt: null,
      })
      .orIgnore()
      .execute();
  }

  /** Wakes the poller now (an enqueue, a finished job), instead of at the next interval. */
  private poke(): void {
    if (!this.started || this.stopping) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    // An enqueue pokes from inside its request; the jobs this poll runs are not that request's.
    outsideRequestContext(() => void this.poll());
  }

  private schedulePoll(): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), this.cfg.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    if (this.stopping || this.polling) return;
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        await this.claimAndRun();
      } while (this.pollAgain && !this.stopping);
    } catch (error) {
      this.logger.warn({ err: { message: message(error) } }, 'Polling the job table failed; retrying');
    } finally {
      this.polling = false;
      this.schedulePoll();
    }
  }

  private async claimAndRun(): Promise<void> {
    const free = this.cfg.concurrency - this.running.size;
    if (free <= 0) return;
    const due = await this.repo.find({
      where: { state: 'waiting', runAt: LessThanOrEqual(new Date()) },
      order: { runAt: 'ASC' },
      take: free,
    });
    for (const job of due) {
      if (this.stopping) return;
      // Another poller (or a second instance on the same database) took it first.
      if (!(await this.claim(job))) continue;
      const run = this.execute(job)
        // Recording the outcome failed (the database went away): the row stays active and
        // the next start puts it back to waiting, as after a crash.
        .catch((error: unknown) =>
          this.logger.warn({ jobId: job.id, err: { message: message(error) } }, 'Could not record a job outcome'),
        )
        .finally(() => {
          this.running.delete(job.id);
          this.poke();
        });
      this.running.set(job.id, run);
    }
  }

  /**
   * Takes `job`, as read from the table, for this process: an UPDATE conditional on the
   * state and attempt count it was read with, so of two claims on one row only one matches.
   */
  async claim(job: JobRecord): Promise<boolean> {
    const claimed = await this.repo.update(
      { id: job.id, state: 'waiting', attemptsMade: job.attemptsMade },
      { state: 'active', attemptsMade: job.attemptsMade + 1, lockedBy: this.owner },
    );
    if (claimed.affected !== 1) return false;
    job.attemptsMade += 1;
    return true;
  }

  private async execute(job: JobRecord): Promise<void> {
    const ctx = this.contextOf(job);
    const mine = { id: job.id, state: 'active' as const, lockedBy: this.owner };
    try {
      await this.runner.run(ctx, JSON.parse(job.data) as object);
      await this.repo.update(mine, this.afterRun(job, { state: 'completed', lastError: null }));
      await this.trimCompleted();
    } catch (error) {
      if (error instanceof PermanentJobError || job.attemptsMade >= job.maxAttempts) {
        await this.repo.update(mine, this.afterRun(job, { state: 'failed', lastError: message(error) }));
        this.runner.failedForGood(ctx, error);
        return;
      }
      const runAt = new Date(Date.now() + backoffDelayMs(job.attemptsMade, this.cfg.backoffMs));
      await this.repo.update(mine, { state: 'waiting', lockedBy: null, runAt, lastError: message(error) });
    }
  }

  /** A finished run; a repeating job instead waits for its next run, with fresh attempts. */
  private afterRun(job: JobRecord, outcome: Pick<JobRecord, 'state' | 'lastError'>): Partial<JobRecord> {
    if (job.repeatEveryMs !== null) {
      return {
        state: 'waiting',
        attemptsMade: 0,
        lockedBy: null,
        lastError: outcome.lastError,
        runAt: new Date(Date.now() + job.repeatEveryMs),
      };
    }
    return { ...outcome, lockedBy: null, finishedAt: new Date() };
  }

  private async trimCompleted(): Promise<void> {
    this.completedSinceTrim += 1;
    if (this.completedSinceTrim < TRIM_EVERY) return;
    this.completedSinceTrim = 0;
    // The newest completed row beyond the bound: it and every older one go.
    const [oldest] = await this.repo.find({
      select: { id: true, finishedAt: true },
      where: { state: 'completed' },
      order: { finishedAt: 'DESC' },
      skip: this.cfg.keepCompleted,
      take: 1,
    });
    if (oldest?.finishedAt)
      await this.repo.delete({ state: 'completed', finishedAt: LessThanOrEqual(oldest.finishedAt) });
  }

  private contextOf(job: JobRecord): JobContext {
    return { id: job.id, queue: job.queue, name: job.name, attempt: job.attemptsMade };
  }
}
