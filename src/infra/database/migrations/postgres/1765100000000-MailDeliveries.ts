import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per mail handed to the SMTP server, by idempotency key, so a retried job does not send twice. */
export class MailDeliveries1765100000000 implements MigrationInterface {
  name = 'MailDeliveries1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "mail_deliveries" ("idempotency_key" character varying(128) NOT NULL, "recipient_hash" character varying(64) NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bc935b8c064df31d0447269d9e2" PRIMARY KEY ("idempotency_key"))`,
    );
    await q.query(`CREATE INDEX "IDX_mail_deliveries_sent_at" ON "mail_deliveries" ("sent_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mail_deliveries"`);
  }
}
