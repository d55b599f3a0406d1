import { Column, Entity, Index, PrimaryColumn, PrimaryColumnOptions } from 'typeorm';
import { exactTextColumn, timestampColumn } from '@/infra/database/column-types';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

/**
 * A job of the database queue, used when no Redis is configured (BullMQ keeps its own
 * jobs in Redis). The row is written before `enqueue` resolves, so a job survives the
 * process being killed right after; `state` only moves by conditional UPDATEs, so two
 * claims cannot both run it.
 */
@Entity('jobs')
@Index('IDX_jobs_state_run_at', ['state', 'runAt'])
export class JobRecord {
  /** The caller's `jobId` (deduplication) or a random uuid. */
  @PrimaryColumn(exactTextColumn(200) as PrimaryColumnOptions)
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  queue!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The job's data as JSON. */
  @Column({ type: 'text' })
  data!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: JobState;

  /** Attempts started so far, the current one included. */
  @Column({ name: 'attempts_made', type: 'int' })
  attemptsMade!: number;

  @Column({ name: 'max_attempts', type: 'int' })
  maxAttempts!: number;

  /** Not taken before this instant (delay, backoff, the next run of a schedule). */
  @Column({ name: 'run_at', ...timestampColumn() })
  runAt!: Date;

  /** Set on a repeating job (`Jobs.schedule`): after each run it waits this long again. */
  @Column({ name: 'repeat_every_ms', type: 'int', nullable: true })
  repeatEveryMs!: number | null;

  /** The process that claimed it while `active`. */
  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', ...timestampColumn() })
  createdAt!: Date;

  @Column({ name: 'finished_at', ...timestampColumn(), nullable: true })
  finishedAt!: Date | null;
}
