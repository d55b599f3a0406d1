import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The database job queue, used without Redis (src/infra/jobs). Timestamps are UTC text. */
export class JobsQueue1765000000000 implements MigrationInterface {
  name = 'JobsQueue1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "jobs" ("id" varchar(200) PRIMARY KEY NOT NULL, "queue" varchar(100) NOT NULL, "name" varchar(100) NOT NULL, "data" text NOT NULL, "state" varchar(16) NOT NULL, "attempts_made" integer NOT NULL, "max_attempts" integer NOT NULL, "run_at" datetime NOT NULL, "repeat_every_ms" integer, "locked_by" varchar(64), "last_error" varchar(1000), "created_at" datetime NOT NULL, "finished_at" datetime)`,
    );
    await q.query(`CREATE INDEX "IDX_jobs_state_run_at" ON "jobs" ("state", "run_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "jobs"`);
  }
}
