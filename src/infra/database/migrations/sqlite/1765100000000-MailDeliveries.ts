import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per mail handed to the SMTP server, by idempotency key, so a retried job does not send twice. */
export class MailDeliveries1765100000000 implements MigrationInterface {
  name = 'MailDeliveries1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "mail_deliveries" ("idempotency_key" varchar(128) PRIMARY KEY NOT NULL, "recipient_hash" varchar(64) NOT NULL, "sent_at" datetime NOT NULL)`,
    );
    await q.query(`CREATE INDEX "IDX_mail_deliveries_sent_at" ON "mail_deliveries" ("sent_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mail_deliveries"`);
  }
}
