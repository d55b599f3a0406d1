import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The database job queue, used without Redis (src/infra/jobs). */
export class JobsQueue1765000000000 implements MigrationInterface {
  name = 'JobsQueue1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "jobs" ("id" character varying(200) NOT NULL, "queue" character varying(100) NOT NULL, "name" character varying(100) NOT NULL, "data" text NOT NULL, "state" character varying(16) NOT NULL, "attempts_made" integer NOT NULL, "max_attempts" integer NOT NULL, "run_at" TIMESTAMP WITH TIME ZONE NOT NULL, "repeat_every_ms" integer, "locked_by" character varying(64), "last_error" character varying(1000), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_cf0a6c42b72fcc7f7c237def345" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_jobs_state_run_at" ON "jobs" ("state", "run_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "jobs"`);
  }
}
