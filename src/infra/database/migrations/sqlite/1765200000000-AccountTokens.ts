import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Single-use tokens of account mails (stored as keyed hashes), and whether a user proved their address. */
export class AccountTokens1765200000000 implements MigrationInterface {
  name = 'AccountTokens1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD COLUMN "email_verified" boolean NOT NULL DEFAULT (0)`);
    await q.query(
      `CREATE TABLE "account_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "purpose" varchar(16) NOT NULL, "token_hash" varchar(64) NOT NULL, "email" varchar(254), "created_at" datetime NOT NULL, "expires_at" datetime NOT NULL, "used_at" datetime, CONSTRAINT "FK_account_tokens_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await q.query(`CREATE INDEX "IDX_account_tokens_user_id" ON "account_tokens" ("user_id")`);
    await q.query(`CREATE UNIQUE INDEX "UQ_account_tokens_token_hash" ON "account_tokens" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_account_tokens_expires_at" ON "account_tokens" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "account_tokens"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "email_verified"`);
  }
}
