import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The database job queue, used without Redis (src/infra/jobs). Ids are compared exactly (utf8mb4_bin). */
export class JobsQueue1765000000000 implements MigrationInterface {
  name = 'JobsQueue1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE `jobs` (`id` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `queue` varchar(100) NOT NULL, `name` varchar(100) NOT NULL, `data` text NOT NULL, `state` varchar(16) NOT NULL, `attempts_made` int NOT NULL, `max_attempts` int NOT NULL, `run_at` datetime(3) NOT NULL, `repeat_every_ms` int NULL, `locked_by` varchar(64) NULL, `last_error` varchar(1000) NULL, `created_at` datetime(3) NOT NULL, `finished_at` datetime(3) NULL, INDEX `IDX_jobs_state_run_at` (`state`, `run_at`), PRIMARY KEY (`id`)) ENGINE = InnoDB',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE `jobs`');
  }
}
