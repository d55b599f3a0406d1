import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Single-use tokens of account mails (stored as keyed hashes), and whether a user proved their address. */
export class AccountTokens1765200000000 implements MigrationInterface {
  name = 'AccountTokens1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "email_verified" boolean NOT NULL DEFAULT false`);
    await q.query(
      `CREATE TABLE "account_tokens" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "purpose" character varying(16) NOT NULL, "token_hash" character varying(64) NOT NULL, "email" character varying(254), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5e3640c493cc6206a44b885e6a9" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_account_tokens_user_id" ON "account_tokens" ("user_id")`);
    await q.query(`CREATE UNIQUE INDEX "UQ_account_tokens_token_hash" ON "account_tokens" ("token_hash")`);
    await q.query(`CREATE INDEX "IDX_account_tokens_expires_at" ON "account_tokens" ("expires_at")`);
    await q.query(
      `ALTER TABLE "account_tokens" ADD CONSTRAINT "FK_account_tokens_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "account_tokens"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "email_verified"`);
  }
}
