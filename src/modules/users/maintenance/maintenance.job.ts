import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { jobsConfig, JobsConfig, maintenanceConfig, MaintenanceConfig } from '@/config/configuration';
import { JobHandler } from '@/infra/jobs/job-handler.decorator';
import { Jobs } from '@/infra/jobs/jobs.service';
import { PurgeRule, purgeRules } from './purge-rules';

export const MAINTENANCE_QUEUE = 'maintenance';
export const PURGE_JOB = 'purge';

/** Rows deleted by one run, per rule kind. */
export type PurgeCounts = Record<string, number>;

/**
 * The periodic clean-up: every MAINTENANCE_INTERVAL one worker of the cluster deletes what
 * the purge rules allow, in batches of MAINTENANCE_BATCH_SIZE rows, at most
 * MAINTENANCE_MAX_BATCHES per table and run (what is left waits for the next run).
 */
@Injectable()
export class MaintenanceJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('Maintenance');
  private readonly rules: PurgeRule[];

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: Jobs,
    @Inject(maintenanceConfig.KEY) private readonly cfg: MaintenanceConfig,
    @Inject(jobsConfig.KEY) private readonly jobsCfg: JobsConfig,
  ) {
    this.rules = purgeRules(cfg);
  }

  /**
   * Idempotent on every boot of every worker; the schedule keeps one next run for the
   * cluster. Not awaited: boot does not wait for Redis (BullMQ holds the call until Redis
   * answers), and any other worker's boot registers the same schedule.
   */
  onApplicationBootstrap(): void {
    if (!this.jobsCfg.runsWorkers) return;
    this.jobs.schedule(MAINTENANCE_QUEUE, PURGE_JOB, this.cfg.intervalMs).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: { message } }, `Could not schedule the clean-up: ${message}`);
    });
  }

  @JobHandler(MAINTENANCE_QUEUE, PURGE_JOB)
  async purge(): Promise<PurgeCounts> {
    const started = Date.now();
    const now = new Date(started);
    const counts: PurgeCounts = {};
    for (const rule of this.rules) counts[rule.kind] = await this.purgeRule(rule, now);
    const summary = Object.entries(counts)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ');
    this.logger.log({ deleted: counts, durationMs: Date.now() - started }, `Purged ${summary}`);
    return counts;
  }

  /**
   * Selects at most one batch of ids, then deletes those ids: portable to SQLite,
   * PostgreSQL and MySQL, which refuses a DELETE with a LIMIT subquery on its own table.
   */
  private async purgeRule(rule: PurgeRule, now: Date): Promise<number> {
    const repo = this.dataSource.getRepository(rule.entity);
    const key = rule.key ?? 'id';
    let deleted = 0;
    for (let batch = 0; batch < this.cfg.maxBatches; batch += 1) {
      const rows = await rule
        .where(repo.createQueryBuilder('row').select(`row.${key}`, 'id'), now)
        .limit(this.cfg.batchSize)
        .getRawMany<{ id: string }>();
      if (rows.length === 0) break;
      const ids = rows.map((row) => row.id);
      for (const dependent of rule.dependents ?? []) {
        await this.dataSource.getRepository(dependent.entity).delete({ [dependent.column]: In(ids) });
      }
      const result = await repo.delete({ [key]: In(ids) });
      deleted += result.affected ?? ids.length;
      if (rows.length < this.cfg.batchSize) break;
    }
    return deleted;
  }
}
