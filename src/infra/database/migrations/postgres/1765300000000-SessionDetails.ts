import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a user needs to tell their sessions apart: the login's User-Agent and client address
 * (unknown for earlier sessions), and when the session was last used, which for an existing
 * session starts at its login.
 */
export class SessionDetails1765300000000 implements MigrationInterface {
  name = 'SessionDetails1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sessions" ADD "user_agent" character varying(255)`);
    await q.query(`ALTER TABLE "sessions" ADD "ip" character varying(45)`);
    await q.query(`ALTER TABLE "sessions" ADD "last_used_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`UPDATE "sessions" SET "last_used_at" = "created_at"`);
    await q.query(`ALTER TABLE "sessions" ALTER COLUMN "last_used_at" SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "last_used_at"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "ip"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "user_agent"`);
  }
}
